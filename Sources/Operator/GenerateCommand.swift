import ArgumentParser
import CNPGCore

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print manifests generated from the code.",
        subcommands: [CRDs.self, RBAC.self]
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

    struct RBAC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rbac",
            abstract: "Print the operator's ClusterRole (the least privilege the controller manager needs)."
        )

        @Option(name: [.short, .customLong("output")], help: "Output format: yaml or json.")
        var output: ValidateCommand.OutputFormat = .yaml

        func run() {
            print(ManifestValidator.render([ObjectCodec.encode(OperatorRBAC.clusterRole())], format: output.rawValue), terminator: "")
        }
    }
}
