import ArgumentParser
import CNPGCore
import Foundation

/// kubectl's connection flags: which kubeconfig, context and namespace.
struct KubeconfigOptions: ParsableArguments {
    @Option(name: .long, help: "Path to the kubeconfig file (default: KUBECONFIG, else ~/.kube/config).")
    var kubeconfig: String?

    @Option(name: .long, help: "The kubeconfig context to use.")
    var context: String?

    @Option(name: [.short, .long], help: "The namespace (default: the context's namespace).")
    var namespace: String?

    /// A client, and the namespace commands act in.
    func connect() throws -> (client: HTTPKubeClient, namespace: String) {
        let configuration: KubeClientConfiguration
        do {
            configuration = try KubeClientConfiguration.fromKubeconfig(path: kubeconfig, context: context)
        } catch {
            throw PluginError("cannot load the kubeconfig: \(error)")
        }
        do {
            return (try HTTPKubeClient(configuration: configuration, requestTimeout: .seconds(30), failFast: true), namespace ?? configuration.namespace)
        } catch {
            throw PluginError("cannot configure the Kubernetes client: \(error)")
        }
    }
}

/// An error printed as `Error: <message>` on standard error, exit status 1.
struct PluginError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `INSTANCE` arguments that are plain numbers mean `<CLUSTER>-<n>`, as in CNPG's plugin.
enum InstanceName {
    static func resolve(_ argument: String, cluster: String) -> String {
        Int(argument) != nil ? "\(cluster)-\(argument)" : argument
    }
}
