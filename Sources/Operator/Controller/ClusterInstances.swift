import CNPGCore
import Foundation

/// Creating, starting and removing instances, and the role labels the services select on.
extension ClusterReconciler {
    func perform(_ action: InstancePlanner.Action, cluster: Cluster, observed: ObservedInstances) async throws {
        let namespace = cluster.metadata.namespace ?? "default"
        let name = cluster.metadata.name ?? ""
        switch action {
        case .createPrimary(let serial):
            let role = JobBuilder.bootstrapRole(for: cluster)
            let sources = role == .snapshotRecovery ? cluster.spec.bootstrap?.recovery?.volumeSnapshots : nil
            if let sources, let refusal = try await snapshotRecoveryRefusal(sources, namespace: namespace) {
                logger.warning("cannot bootstrap from the volume snapshots", metadata: ["cluster": "\(namespace)/\(name)", "reason": "\(refusal)"])
                await events.record(cluster, reason: "SnapshotRecoveryBlocked", message: refusal, warning: true)
                return
            }
            try await createClaims(cluster, serial: serial, restoringFrom: sources)
            let job = ObjectCodec.encode(JobBuilder.job(for: cluster, serial: serial, role: role, configuration: configuration))
            if try await sync.ensure(.jobs, namespace: namespace, job) == .created {
                await events.record(cluster, reason: "CreatingInstance", message: "Primary instance (\(JobBuilder.bootstrapDescription(role)))")
            }
        case .createReplica(let serial):
            try await createClaims(cluster, serial: serial)
            let job = ObjectCodec.encode(JobBuilder.job(for: cluster, serial: serial, role: .join, configuration: configuration))
            if try await sync.ensure(.jobs, namespace: namespace, job) == .created {
                await events.record(cluster, reason: "CreatingInstance", message: "Creating instance \(name)-\(serial)")
            }
        case .createPod(let serial):
            for claim in observed.claims(of: "\(name)-\(serial)") {
                guard claim["metadata"]?["annotations"]?["cnpg.io/pvcStatus"]?.stringValue != "ready",
                    let claimName = claim["metadata"]?["name"]?.stringValue
                else { continue }
                let patch: JSONValue = .object([("metadata", .object([("annotations", .object([("cnpg.io/pvcStatus", .string("ready"))]))]))])
                _ = try await client.patch(
                    .persistentVolumeClaims, namespace: namespace, name: claimName, patch, patchType: .merge,
                    subresource: nil, fieldManager: nil)
            }
            let pod = ObjectCodec.encode(desiredPod(cluster, serial: serial))
            try await sync.ensure(.pods, namespace: namespace, podWithRole(pod, cluster: cluster))
        case .deleteInstance(let serial):
            let instance = "\(name)-\(serial)"
            // The pod goes first; its volumes only once it has stopped (no PVC is pulled from under PostgreSQL).
            if let pod = observed.pods.first(where: { ($0["metadata"]?["name"]?.stringValue) == instance }) {
                if pod["metadata"]?["deletionTimestamp"] == nil {
                    await events.record(cluster, reason: "ScaleDown", message: "Scaling down - removing instance: \(instance)")
                    try await client.delete(.pods, namespace: namespace, name: instance, propagation: .background)
                }
                return
            }
            try await deleteJobsAndClaims(cluster, serial: serial, observed: observed)
        case .unrecoverable(let job):
            logger.error("instance job failed; the cluster needs manual intervention", metadata: ["job": "\(job)"])
        case .wait, .none:
            break
        }
    }

    /// Node maintenance without reusing PVCs: the unschedulable pod and its PVCs go together (the
    /// PVCs once nothing mounts them), so the next pass creates a new replica instead of the pod again.
    func deleteInstanceAndClaims(_ cluster: Cluster, serial: Int, observed: ObservedInstances) async throws {
        let instance = "\(cluster.metadata.name ?? "")-\(serial)"
        await events.record(cluster, reason: "DeletePod", message: "Deleting unschedulable pod \(instance)")
        try await client.delete(.pods, namespace: cluster.metadata.namespace ?? "default", name: instance, propagation: .background)
        let claims = observed.claims(of: instance).map(ObservedInstances.name)
        await events.record(cluster, reason: "DeletePVCs", message: "Deleting PVCs of unschedulable pod \(instance): \(claims.joined(separator: ", "))")
        try await deleteJobsAndClaims(cluster, serial: serial, observed: observed)
    }

    /// An instance's jobs and PVCs (its pod already gone, or going with them).
    func deleteJobsAndClaims(_ cluster: Cluster, serial: Int, observed: ObservedInstances) async throws {
        let namespace = cluster.metadata.namespace ?? "default"
        for job in observed.jobs(serial: serial) {
            try? await client.delete(.jobs, namespace: namespace, name: ObservedInstances.name(job), propagation: .background)
        }
        for claim in observed.claims(of: "\(cluster.metadata.name ?? "")-\(serial)") {
            try await client.delete(.persistentVolumeClaims, namespace: namespace, name: ObservedInstances.name(claim), propagation: .background)
        }
    }

    func createClaims(_ cluster: Cluster, serial: Int, restoringFrom sources: DataSource? = nil) async throws {
        let namespace = cluster.metadata.namespace ?? "default"
        for claim in try PVCBuilder.claims(for: cluster, serial: serial, restoringFrom: sources) {
            try await sync.ensure(.persistentVolumeClaims, namespace: namespace, ObjectCodec.encode(claim))
        }
    }

    /// Why the first instance cannot start from these snapshots yet (nil when it can): a snapshot
    /// that does not exist, or one of an online backup (its WAL up to the backup's end is in no
    /// archive this operator could restore from).
    func snapshotRecoveryRefusal(_ sources: DataSource, namespace: String) async throws -> String? {
        for reference in [sources.storage, sources.walStorage].compactMap({ $0 }) + (sources.tablespaceStorage ?? [:]).values
        where reference.kind == "VolumeSnapshot" {
            let snapshot: JSONValue
            do { snapshot = try await client.get(.volumeSnapshots, namespace: namespace, name: reference.name) } catch let error as KubeAPIError
                where error.isNotFound
            {
                return "VolumeSnapshot \(reference.name) not found"
            }
            if snapshot["metadata"]?["labels"]?["cnpg.io/onlineBackup"]?.stringValue == "true" {
                return
                    "VolumeSnapshot \(reference.name) holds an online backup: restoring it needs the WAL archived up to the backup's end, and this operator has no WAL archive; restore from a cold backup (online: false)"
            }
        }
        return nil
    }

    static func role(of pod: String, cluster: Cluster) -> String {
        InstanceRoleLabels.role(of: pod, currentPrimary: cluster.status?.currentPrimary, targetPrimary: cluster.status?.targetPrimary)
    }

    func podWithRole(_ pod: JSONValue, cluster: Cluster) -> JSONValue {
        let role = Self.role(of: pod["metadata"]?["name"]?.stringValue ?? "", cluster: cluster)
        var labels = pod["metadata"]?["labels"] ?? .object([])
        labels = labels.setting(CNPGLabels.instanceRole, to: .string(role)).setting(CNPGLabels.legacyRole, to: .string(role))
        return pod.setting("metadata", to: (pod["metadata"] ?? .object([])).setting("labels", to: labels))
    }

    /// Keeps `cnpg.io/instanceRole` (and the legacy `role`) in step with the current primary, which
    /// moves the -rw and -ro services.
    func syncRoleLabels(_ cluster: Cluster, observed: ObservedInstances) async throws {
        let namespace = cluster.metadata.namespace ?? "default"
        guard cluster.status?.currentPrimary != nil || cluster.status?.targetPrimary != nil else { return }
        // Demotions first, so two pods never carry the primary label at once.
        let ordered = observed.activePods.sorted { lhs, _ in
            Self.role(of: lhs["metadata"]?["name"]?.stringValue ?? "", cluster: cluster) == "replica"
        }
        for pod in ordered {
            guard let name = pod["metadata"]?["name"]?.stringValue else { continue }
            let role = Self.role(of: name, cluster: cluster)
            let labels = pod["metadata"]?["labels"]
            guard labels?[CNPGLabels.instanceRole]?.stringValue != role || labels?[CNPGLabels.legacyRole]?.stringValue != role else { continue }
            let patch: JSONValue = .object([
                (
                    "metadata",
                    .object([
                        (
                            "labels",
                            .object([
                                (CNPGLabels.instanceRole, .string(role)), (CNPGLabels.legacyRole, .string(role)),
                            ])
                        )
                    ])
                )
            ])
            _ = try await client.patch(.pods, namespace: namespace, name: name, patch, patchType: .merge, subresource: nil, fieldManager: nil)
        }
    }
}
