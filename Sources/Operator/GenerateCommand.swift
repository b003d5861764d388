import ArgumentParser
import CNPGCore

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print manifests generated from the code.",
        subcommands: [CRDs.self]
    )

    struct CRDs: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crds",
            abstract: "Print the CustomResourceDefinitions of Cluster, Pooler, Backup and ScheduledBackup."
        )

        @Option(name: [.short, .customLong("output")], help: "Output format: yaml or json.")
        var output: ValidateCommand.OutputFormat = .yaml

        func run() {
            print(ManifestValidator.render(CRDGenerator.customResourceDefinitions(), format: output.rawValue), terminator: "")
        }
    }
}
