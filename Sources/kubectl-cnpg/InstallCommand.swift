import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg install generate`: the operator's installation manifests (the Helm chart's
/// defaults with CNPG's object names), for `kubectl apply -f -`.
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Generate the operator's installation manifests.",
        subcommands: [Generate.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Print the operator's manifests (namespace, CRDs, RBAC, configuration, Deployment, webhooks) as YAML.",
            discussion: "Apply them with `kubectl cnpg install generate | kubectl apply --server-side -f -`."
        )

        @Option(name: [.short, .long], help: "The operator's namespace.")
        var namespace = OperatorRBAC.defaultNamespace

        @Option(name: .long, help: "The number of operator replicas (0 keeps the default, 1; more elect a leader).")
        var replicas = 0

        @Option(name: .customLong("watch-namespace"), help: "Watch only this namespace (default: every namespace).")
        var watchNamespace: String?

        @Option(name: .long, help: "The default PostgreSQL image (POSTGRES_IMAGE_NAME).")
        var image: String?

        @Flag(name: .customLong("control-plane"), help: "Run the operator on control-plane nodes (toleration and required node affinity).")
        var controlPlane = false

        @Option(name: .long, help: "The operator version to install; only this plugin's own is available.")
        var version = CNPG.operatorVersion

        func validate() throws {
            guard replicas >= 0 else { throw ValidationError("--replicas must be 0 (the default) or more") }
            guard version == CNPG.operatorVersion else {
                throw ValidationError("--version \(version): this plugin carries the manifests of \(CNPG.operatorVersion) only")
            }
            for (flag, value) in [("--namespace", namespace), ("--watch-namespace", watchNamespace ?? namespace)] {
                guard CommonValidation.isDNS1123Label(value) else {
                    throw ValidationError("\(flag) \"\(value)\" is not a valid namespace name (lower case letters, digits and '-', at most 63)")
                }
            }
        }

        func run() {
            var options = OperatorInstallManifests.Options()
            options.namespace = namespace
            options.replicas = replicas
            options.watchNamespace = watchNamespace
            options.postgresImage = image
            options.controlPlane = controlPlane
            print(ManifestValidator.render(OperatorInstallManifests.objects(options), format: "yaml"), terminator: "")
        }
    }
}
