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
            let patch: JSONValue = .object([
                (
                    "spec",
                    .object([
                        (
                            "resources",
                            .object([
                                ("requests", .object([("storage", .string(expansion.size.text))]))
                            ])
                        )
                    ])
                )
            ])
            _ = try await client.patch(
                .persistentVolumeClaims, namespace: namespace, name: expansion.claim, patch, patchType: .merge,
                subresource: nil, fieldManager: nil)
            logger.info("volume claim resized", metadata: ["claim": "\(namespace)/\(expansion.claim)", "size": "\(expansion.size.text)"])
        }
    }

    /// Pods stopped for want of WAL space. Warning events when pods stop so (first pass in that
    /// phase) and when running instances' volumes start running out (the condition turns False).
    func podsOutOfSpace(_ cluster: Cluster, observed: ObservedInstances, reports: [String: InstanceStatus]) async -> [String] {
        let key = "\(cluster.metadata.namespace ?? "")/\(cluster.metadata.name ?? "")"
        let pods = await diskShortages.update(cluster: key, detected: DiskSpace.podsOutOfSpace(observed.activePods), pods: observed.activePods)
        if !pods.isEmpty, cluster.status?.phase != DiskSpace.phase {
            logger.warning("instances stopped for want of WAL space; failover held off", metadata: ["cluster": "\(key)", "pods": "\(pods)"])
            await events.record(
                cluster, reason: DiskSpace.eventReason,
                message: "Not enough disk space for WAL on \(pods.joined(separator: ", ")): PostgreSQL stays stopped "
                    + "(no failover) until the volumes are resized", warning: true)
        }
        let runningOut = DiskSpace.volumesRunningOut(reports)
        let previous = cluster.status?.conditions?.first { $0.type == DiskSpace.conditionType }
        if pods.isEmpty, !runningOut.isEmpty, previous?.status != "False" {
            logger.warning("volumes running out of space", metadata: ["cluster": "\(key)", "volumes": "\(runningOut)"])
            await events.record(
                cluster, reason: DiskSpace.eventReason,
                message: "Volumes running out of space: \(runningOut.joined(separator: ", ")); resize them", warning: true)
        }
        return pods
    }
}

extension ClusterReconciler {
    /// PVCs the instances need and lack, with a Warning event whenever that list changes to a non-empty one.
    func missingClaims(_ cluster: Cluster, observed: ObservedInstances) async -> [MissingStorage.Problem] {
        let problems = MissingStorage.problems(observed: observed) { serial in
            (desiredPod(cluster, serial: serial).spec?.volumes ?? []).compactMap { $0.persistentVolumeClaim?.claimName }
        }
        let previous = cluster.status?.conditions?.first { $0.type == MissingStorage.conditionType }
        if !problems.isEmpty, previous?.status != "False" || previous?.message != MissingStorage.message(problems) {
            let key = "\(cluster.metadata.namespace ?? "")/\(cluster.metadata.name ?? "")"
            logger.warning("instances lack PVCs", metadata: ["cluster": "\(key)", "problems": "\(problems)"])
            await events.record(cluster, reason: MissingStorage.eventReason, message: MissingStorage.message(problems), warning: true)
        }
        return problems
    }
}

/// The pods each Cluster had stopped for want of space, kept across passes until they are Ready again.
actor DiskShortageMemory {
    private var stopped: [String: Set<String>] = [:]

    func update(cluster: String, detected: [String], pods: [JSONValue]) -> [String] {
        let now = DiskSpace.stillOutOfSpace(remembered: stopped[cluster] ?? [], detected: detected, pods: pods)
        stopped[cluster] = now.isEmpty ? nil : now
        return now.sorted()
    }
}
