import ArgumentParser
import CNPGCore
import Foundation

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print manifests generated from the code.",
        subcommands: [CRDs.self, RBAC.self, RBACTables.self, Webhooks.self, Manifests.self, MonitoringQueries.self]
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
            abstract: "Print the CustomResourceDefinitions of Cluster, Pooler, Backup, ScheduledBackup and FailoverQuorum."
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

        @Flag(name: .long, help: "Add the networkpolicies rule that MANAGE_NETWORK_POLICIES=true needs (not in CNPG's role).")
        var networkPolicies = false

        func run() { options.emit([ObjectCodec.encode(OperatorRBAC.clusterRole(managingNetworkPolicies: networkPolicies))]) }
    }

    struct RBACTables: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rbac-tables",
            abstract: "Print the Markdown tables of docs/rbac.md: every rule of the operator's ClusterRole and of an instance Role."
        )

        func run() { print(RBACDocumentation.tables(), terminator: "") }
    }

    struct MonitoringQueries: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "monitoring-queries",
            abstract: "Print the default monitoring queries (the `queries` key of the cnpg-default-monitoring ConfigMap)."
        )

        func run() { print(DefaultMonitoringQueries.yaml, terminator: "") }
    }

    struct Webhooks: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "webhooks",
            abstract: "Print the admission webhook configurations and the webhook Service.",
            discussion: """
                The configurations carry no caBundle: the operator injects its serving certificate at \
                start. With --local-address the Service has no selector and an Endpoints object sends \
                webhook calls to an operator running outside the cluster (the demo and the tests).
                """
        )

        @Option(name: .long, help: "Namespace of the operator and its webhook Service.")
        var operatorNamespace: String = "cnpg-system"

        @Option(name: .long, help: "HOST:PORT where an operator outside the cluster serves its webhooks.")
        var localAddress: String?

        @OptionGroup var options: OutputOptions

        func validate() throws {
            if let localAddress {
                guard let colon = localAddress.lastIndex(of: ":"), let port = Int64(localAddress[localAddress.index(after: colon)...]),
                    (1...65535).contains(port), colon > localAddress.startIndex
                else {
                    throw ValidationError("--local-address must be HOST:PORT, got '\(localAddress)'")
                }
            }
        }

        func run() {
            let local = localAddress.flatMap { address -> (host: String, port: Int64)? in
                guard let colon = address.lastIndex(of: ":"), let port = Int64(address[address.index(after: colon)...]) else { return nil }
                return (String(address[..<colon]), port)
            }
            let configurations = WebhookConfigurationBuilder.configurations(namespace: operatorNamespace, caBundlePEM: nil).map { ObjectCodec.encode($0) }
            options.emit(configurations + WebhookConfigurationBuilder.service(namespace: operatorNamespace, localAddress: local))
        }
    }

    struct Manifests: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "manifests",
            abstract: "Print every object the operator would create to bring up the Clusters in a file.",
            discussion: """
                The Clusters are defaulted and validated first; an invalid one is reported on standard error \
                and nothing is printed. Generated secrets (CA, server and replication certificates, \
                application credentials) hold new keys and passwords each time.
                """
        )

        @Option(name: .shortAndLong, help: "The Cluster manifest ('-' for standard input).")
        var file: String

        @Option(name: .shortAndLong, help: "Namespace of the Cluster when its manifest has none (default: default).")
        var namespace: String?

        @OptionGroup var options: OutputOptions

        func run() throws {
            let configuration = try OperatorConfiguration.fromEnvironment()
            let text = try ManifestInput.read(file)
            var objects: [JSONValue] = []
            var failed = false
            for document in try YAMLLoader.documents(from: text) where document.value["kind"] == .string(Cluster.kind) {
                guard case .reviewed(let report) = Admission.review(document.value, configuration: configuration) else { continue }
                guard report.isValid, let defaulted = report.defaulted else {
                    FileHandle.standardError.write(Data(("\(file): Cluster/\(report.name): invalid\n" + report.errors.map { "  - \($0)\n" }.joined()).utf8))
                    failed = true
                    continue
                }
                var cluster = try ObjectCodec.decode(Cluster.self, from: defaulted)
                if cluster.metadata.namespace == nil || namespace != nil { cluster.metadata.namespace = namespace ?? "default" }
                objects += try ClusterManifests.objects(for: cluster, configuration: configuration)
            }
            if failed { throw ExitCode(1) }
            options.emit(objects)
        }
    }
}
