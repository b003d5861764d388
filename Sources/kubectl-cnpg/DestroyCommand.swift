import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg destroy CLUSTER INSTANCE [-k]`: removes an instance — its PVCs (or, with
/// --keep-pvc, detaches them from the Cluster), its pod and its jobs. The operator then creates a
/// new instance if the Cluster still wants that many.
struct DestroyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy",
        abstract: "Destroy an instance: its pod, jobs and PVCs (or keep the PVCs, detached, with --keep-pvc)."
    )

    @OptionGroup var connection: KubeconfigOptions

    @Argument(help: "The Cluster.")
    var cluster: String

    @Argument(help: "The instance (pod name or serial number).")
    var instance: String

    @Flag(name: [.short, .customLong("keep-pvc")], help: "Keep the PVCs, detached from the cluster.")
    var keepPVC = false

    func run() async throws {
        let (client, namespace) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        _ = try await ClusterLookup.get(client, cluster, namespace: namespace)
        let pod = InstanceName.resolve(instance, cluster: cluster)
        let claims = try await client.list(
            .persistentVolumeClaims, namespace: namespace, labelSelector: "\(CNPGLabels.instanceName)=\(pod)", fieldSelector: nil)
        for claim in claims.items {
            guard let name = claim["metadata"]?["name"]?.stringValue else { continue }
            if keepPVC {
                let owners = (claim["metadata"]?["ownerReferences"]?.arrayValue ?? []).filter { $0["kind"]?.stringValue != Cluster.kind }
                var metadata = (claim["metadata"] ?? .object([])).setting("ownerReferences", to: .array(owners))
                metadata = metadata.setting("annotations", to: (metadata["annotations"] ?? .object([])).setting("cnpg.io/pvcStatus", to: .string("detached")))
                _ = try await client.update(.persistentVolumeClaims, namespace: namespace, claim.setting("metadata", to: metadata), subresource: nil)
            } else {
                try await client.delete(.persistentVolumeClaims, namespace: namespace, name: name, propagation: .background)
            }
        }
        do {
            let object = try await client.get(.pods, namespace: namespace, name: pod)
            guard
                object["metadata"]?["ownerReferences"]?.arrayValue?.contains(where: {
                    $0["kind"]?.stringValue == Cluster.kind && $0["name"]?.stringValue == cluster
                }) == true
            else {
                throw PluginError("pod \"\(pod)\" is not an instance of cluster \"\(cluster)\"")
            }
            try await client.delete(.pods, namespace: namespace, name: pod, propagation: .background)
        } catch let error as KubeAPIError where error.code == 404 {
            if claims.items.isEmpty { throw PluginError("instance \"\(pod)\" of cluster \"\(cluster)\" not found") }
        }
        for job in try await client.list(.jobs, namespace: namespace, labelSelector: "\(CNPGLabels.instanceName)=\(pod)", fieldSelector: nil).items {
            if let name = job["metadata"]?["name"]?.stringValue { try await client.delete(.jobs, namespace: namespace, name: name, propagation: .background) }
        }
        print(keepPVC ? "Instance \(pod) of cluster \(cluster) has been destroyed and the PVC was kept" : "Instance \(pod) of cluster \(cluster) is destroyed")
    }
}
