import CNPGCore
import Foundation

extension ClusterReconciler {
    /// Reads the primary's `pg_controldata` through its authenticated endpoint (the operator's
    /// client certificate) and stores it in the `cnpg.io/pgControldata` annotation of every PVC
    /// of the cluster; a failure stops the hibernation step, retried on the next pass.
    func annotateClaimsWithControldata(_ cluster: Cluster, primary: String, observed: ObservedInstances, caPEM: String?) async throws {
        let namespace = cluster.metadata.namespace ?? "default"
        guard let ip = observed.activePods.first(where: { ObservedInstances.name($0) == primary })?["status"]?["podIP"]?.stringValue else {
            throw InstanceStatusClient.Refused(description: "the primary \(primary) has no address")
        }
        let controldata = try await statuses.controldata(ip: ip, caPEM: caPEM)
        for claim in observed.claims {
            let name = ObservedInstances.name(claim)
            guard claim["metadata"]?["annotations"]?[Hibernation.controldataAnnotation]?.stringValue != controldata else { continue }
            _ = try await client.patch(
                .persistentVolumeClaims, namespace: namespace, name: name,
                .object([("metadata", .object([("annotations", .object([(Hibernation.controldataAnnotation, .string(controldata))]))]))]),
                patchType: .merge, subresource: nil, fieldManager: nil)
        }
    }
}
