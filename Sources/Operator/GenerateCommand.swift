import ArgumentParser
import CNPGCore

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print manifests generated from the code.",
        subcommands: [CRDs.self, RBAC.self]
    )

    struct OutputOptions: ParsableArguments {
        @Option(name: [.short, .customLong("output")], help: "Output format: yaml or json.")
        var output: ValidateCommand.OutputFormat = .yaml

        func emit(_ objects: [JSONValue]) {
            print(ManifestValidator.render(objects, format: output.rawValue), terminator: "")
        }
    }

    struct CRDs: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crds",
            abstract: "Print the CustomResourceDefinitions of Cluster, Pooler, Backup and ScheduledBackup."
        )

        @OptionGroup var options: OutputOptions

        func run() { options.emit(CRDGenerator.customResourceDefinitions()) }
    }

    struct RBAC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rbac",
            abstract: "Print the operator's ClusterRole (the least privilege the controller manager needs)."
        )

        @OptionGroup var options: OutputOptions

        func run() { options.emit([ObjectCodec.encode(OperatorRBAC.clusterRole())]) }
    }
}
