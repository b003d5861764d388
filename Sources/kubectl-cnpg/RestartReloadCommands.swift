import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg restart CLUSTER [INSTANCE]`: a rolling restart of the whole Cluster (the
/// `kubectl.kubernetes.io/restartedAt` annotation), an in-place restart of the primary, or a
/// replica's pod recreated.
struct RestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Restart a cluster (rolling, replicas first) or one instance.",
        discussion: "INSTANCE is a pod name or a serial number. The primary restarts PostgreSQL in place; a replica's pod is recreated."
    )

    @OptionGroup var connection: KubeconfigOptions

    @Argument(help: "The Cluster.")
    var cluster: String

    @Argument(help: "One instance to restart (default: the whole cluster).")
    var instance: String?

    func run() async throws {
        let (client, namespace) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        let object = try await ClusterLookup.get(client, cluster, namespace: namespace)
        guard let instance else {
            let now = KubeTime.time(Date())
            try await ClusterLookup.annotate(client, cluster, namespace: namespace, RollingUpdatePlanner.restartedAtAnnotation, now)
            print("\(cluster) restarted")
            return
        }
        let pod = InstanceName.resolve(instance, cluster: cluster)
        if object["status"]?["currentPrimary"]?.stringValue == pod {
            let status: JSONValue = .object([("phase", .string(ClusterStatusBuilder.Phase.inPlaceRestart)), ("phaseReason", .string("Requested by the user"))])
            _ = try await client.patch(
                .clusters, namespace: namespace, name: cluster, .object([("status", status)]), patchType: .merge,
                subresource: "status", fieldManager: nil)
        } else {
            do {
                try await client.delete(.pods, namespace: namespace, name: pod, propagation: .background)
            } catch let error as KubeAPIError where error.code == 404 {
                throw PluginError("pod \"\(pod)\" not found in namespace \"\(namespace)\"")
            }
        }
        print("instance \(pod) restarted")
    }
}

/// `kubectl cnpg reload CLUSTER`: asks for a reconcile of the Cluster and its instances.
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload a cluster: the operator and the instances reconcile it again (configuration, certificates)."
    )

    @OptionGroup var connection: KubeconfigOptions

    @Argument(help: "The Cluster.")
    var cluster: String

    func run() async throws {
        let (client, namespace) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        _ = try await ClusterLookup.get(client, cluster, namespace: namespace)
        try await ClusterLookup.annotate(client, cluster, namespace: namespace, "cnpg.io/reloadedAt", KubeTime.microTime(Date()))
        print("\(cluster) will be reloaded")
    }
}
