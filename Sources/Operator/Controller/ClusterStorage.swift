import CNPGCore
import Foundation

/// Volumes: claims grow with the Cluster's storage sections, and a volume out of space is reported
/// instead of failed over.
extension ClusterReconciler {
    /// Patches every claim whose storage section now asks for more (online expansion; the storage
    /// class must allow it).
    func ensureClaimSizes(_ cluster: Cluster, observed: ObservedInstances) async throws {
        let namespace = cluster.metadata.namespace ?? "default"
        for expansion in PVCBuilder.expansions(for: cluster, claims: observed.claims) {
            let patch: JSONValue = .object([("spec", .object([("resources", .object([
                ("requests", .object([("storage", .string(expansion.size.text))])),
            ]))]))])
            _ = try await client.patch(.persistentVolumeClaims, namespace: namespace, name: expansion.claim, patch, patchType: .merge,
                                       subresource: nil, fieldManager: nil)
            logger.info("volume claim resized", metadata: ["claim": "\(namespace)/\(expansion.claim)", "size": "\(expansion.size.text)"])
        }
    }

    /// Pods stopped for want of WAL space; the first pass that sees them records a Warning event.
    func podsOutOfSpace(_ cluster: Cluster, observed: ObservedInstances) async -> [String] {
        let pods = DiskSpace.podsOutOfSpace(observed.activePods)
        if !pods.isEmpty, cluster.status?.phase != DiskSpace.phase {
            logger.warning("instances stopped for want of WAL space; failover held off", metadata: [
                "cluster": "\(cluster.metadata.namespace ?? "")/\(cluster.metadata.name ?? "")", "pods": "\(pods)",
            ])
            await events.record(cluster, reason: DiskSpace.eventReason,
                                message: "Not enough disk space for WAL on \(pods.joined(separator: ", ")): PostgreSQL stays stopped "
                                    + "(no failover) until the volumes are resized", warning: true)
        }
        return pods
    }
}
