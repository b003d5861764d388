import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg promote CLUSTER INSTANCE`: asks the operator for a switchover by setting the
/// Cluster's `status.targetPrimary` (with the resourceVersion read, so a concurrent change wins),
/// once the instance is known to be a ready, unfenced pod of the cluster.
struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Promote an instance to primary (a switchover): the current primary is shut down cleanly and demoted.",
        discussion: "INSTANCE is a pod name or the instance's serial number (2 means <CLUSTER>-2)."
    )

    @OptionGroup var connection: KubeconfigOptions

    @Argument(help: "The Cluster.")
    var cluster: String

    @Argument(help: "The instance to promote (pod name or serial number).")
    var instance: String

    func run() async throws {
        let (client, namespace) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        let pod = InstanceName.resolve(instance, cluster: cluster)
        let object = try await ClusterLookup.get(client, cluster, namespace: namespace)
        if object["status"]?["targetPrimary"]?.stringValue == pod {
            print("\(pod) is already the primary node in the cluster")
            return
        }
        let podObject: JSONValue
        do {
            podObject = try await client.get(.pods, namespace: namespace, name: pod)
        } catch let error as KubeAPIError where error.code == 404 {
            throw PluginError("pod \"\(pod)\" not found in namespace \"\(namespace)\": is it an instance of cluster \"\(cluster)\"?")
        }
        if let problem = PromotionCheck.problem(pod: podObject, cluster: try ObjectCodec.decode(Cluster.self, from: object)) {
            throw PluginError(problem)
        }
        let now = KubeTime.time(Date())
        let status: JSONValue = .object([
            ("targetPrimary", .string(pod)), ("targetPrimaryTimestamp", .string(now)),
            ("phase", .string(ClusterStatusBuilder.Phase.switchover)), ("phaseReason", .string("Switching over to \(pod)")),
        ])
        let patch: JSONValue = .object([("metadata", .object([("resourceVersion", object["metadata"]?["resourceVersion"] ?? .null)])), ("status", status)])
        do {
            _ = try await client.patch(.clusters, namespace: namespace, name: cluster, patch, patchType: .merge, subresource: "status", fieldManager: nil)
        } catch let error as KubeAPIError where error.code == 409 {
            throw PluginError("cluster \"\(cluster)\" changed while promoting; try again")
        }
        print("Node \(pod) in cluster \(cluster) will be promoted")
    }
}
