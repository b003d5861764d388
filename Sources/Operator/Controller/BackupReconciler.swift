import CNPGCore
import Foundation
import Logging

/// One reconcile of one Backup. Method `volumeSnapshot` is carried out one step per pass, each
/// step resumable from the Backup's status (an operator restart picks it up where it was):
/// choose the instance (`started`), snapshot its volumes (`running`) inside an online backup
/// session of its instance manager or while it is fenced (cold), wait for the snapshots to be
/// ready (`finalizing`), then record the result on the Backup and the Cluster (`completed`).
/// Other methods fail at once with a clear reason.
struct BackupReconciler: Sendable {
    let client: any KubeClient
    let statuses: InstanceStatusClient
    let logger: Logger
    var events: EventRecorder { EventRecorder(client: client) }

    struct Key: Hashable, Sendable, CustomStringConvertible {
        var namespace: String
        var name: String
        var description: String { "\(namespace)/\(name)" }
    }

    /// A step that cannot succeed: the Backup fails with this message.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func reconcile(_ key: Key) async throws -> Duration? {
        let object: JSONValue
        do {
            object = try await client.get(.backups, namespace: key.namespace, name: key.name)
        } catch let error as KubeAPIError where error.isNotFound {
            return nil
        }
        let backup = try ObjectCodec.decode(Backup.self, from: object)
        let phase = backup.status?.phase.flatMap(BackupPhase.init(rawValue:))
        if backup.metadata.deletionTimestamp != nil { await released(object) }
        guard backup.metadata.deletionTimestamp == nil, !(phase?.isFinal ?? false) else { return nil }
        let method = backup.spec.method ?? "barmanObjectStore"
        do {
            if let refusal = SnapshotBackupPlan.unsupportedMethod(method) { throw Failure(description: refusal) }
            let cluster: Cluster
            do {
                cluster = try await client.get(Cluster.self, .clusters, namespace: key.namespace, name: backup.spec.cluster.name)
            } catch let error as KubeAPIError where error.isNotFound {
                throw Failure(description: "cluster \"\(backup.spec.cluster.name)\" not found")
            }
            do {
                _ = try await client.list(.volumeSnapshots, namespace: key.namespace, labelSelector: nil, fieldSelector: nil)
            } catch let error as KubeAPIError where error.isNotFound {
                throw Failure(description: "the VolumeSnapshot API (snapshot.storage.k8s.io/v1) is not installed in this Kubernetes cluster")
            }
            let run = SnapshotBackupRun(
                reconciler: self, backup: backup, cluster: cluster,
                settings: SnapshotBackupPlan.settings(backup: backup, cluster: cluster))
            switch phase {
            case nil, .pending: return try await run.start()
            default: return try await run.proceed()
            }
        } catch let failure as Failure {
            // A cold backup that fails must not leave its instance fenced.
            if backup.status?.online == false, let pod = backup.status?.instanceID?.podName {
                _ = try? await SnapshotBackupRun.setFence(client: client, namespace: key.namespace, cluster: backup.spec.cluster.name, pod: pod, on: false)
            }
            try await fail(backup, method: method, message: failure.description)
            return nil
        }
    }

    /// A cold backup deleted before it ended must not leave its instance fenced.
    func released(_ object: JSONValue) async {
        guard let backup = try? ObjectCodec.decode(Backup.self, from: object), let pod = SnapshotBackupPlan.fencedInstanceToRelease(backup) else { return }
        let namespace = backup.metadata.namespace ?? "default"
        do {
            if try await SnapshotBackupRun.setFence(client: client, namespace: namespace, cluster: backup.spec.cluster.name, pod: pod, on: false) {
                logger.info(
                    "a cold backup deleted before it ended: its instance is unfenced",
                    metadata: ["backup": "\(namespace)/\(backup.metadata.name ?? "")", "pod": "\(pod)"])
            }
        } catch {
            logger.warning("cannot unfence the instance of a deleted cold backup", metadata: ["pod": "\(pod)", "error": "\(error)"])
        }
    }

    /// A merge patch of the Backup's status.
    func writeStatus(_ backup: Backup, _ fields: [(String, JSONValue)]) async throws {
        _ = try await client.patch(
            .backups, namespace: backup.metadata.namespace ?? "default", name: backup.metadata.name ?? "",
            .object([("status", .object(fields))]), patchType: .merge, subresource: "status", fieldManager: nil)
    }

    func fail(_ backup: Backup, method: String, message: String) async throws {
        logger.warning("backup failed", metadata: ["backup": "\(backup.metadata.namespace ?? "")/\(backup.metadata.name ?? "")", "error": "\(message)"])
        let now = KubeTime.time(Date())
        try await writeStatus(
            backup,
            [
                ("phase", .string(BackupPhase.failed.rawValue)), ("error", .string(message)),
                ("method", .string(method)), ("stoppedAt", .string(now)),
            ])
        await events.record(backup, reason: "BackupFailed", message: message, warning: true)
        try? await recordOnCluster(backup, succeeded: false, message: message, at: now, method: method)
    }

    /// CNPG's Cluster status after a backup: `lastSuccessfulBackup`/`lastFailedBackup` (and by
    /// method) and the `LastBackupSucceeded` condition; written over the Cluster read (a conflict retries).
    func recordOnCluster(_ backup: Backup, succeeded: Bool, message: String, at time: String, method: String) async throws {
        let namespace = backup.metadata.namespace ?? "default"
        for _ in 0..<5 {
            let object: JSONValue
            do { object = try await client.get(.clusters, namespace: namespace, name: backup.spec.cluster.name) } catch let error as KubeAPIError
                where error.isNotFound
            {
                return
            }
            let cluster = try ObjectCodec.decode(Cluster.self, from: object)
            let status = succeeded ? "True" : "False"
            let previous = cluster.status?.conditions?.first { $0.type == "LastBackupSucceeded" }
            let condition = Condition(
                type: "LastBackupSucceeded", status: status,
                lastTransitionTime: previous?.status == status ? previous!.lastTransitionTime : time,
                reason: succeeded ? "LastBackupSucceeded" : "LastBackupFailed", message: succeeded ? "Backup was successful" : message)
            let conditions = (cluster.status?.conditions ?? []).filter { $0.type != condition.type } + [condition]
            let key = succeeded ? "lastSuccessfulBackup" : "lastFailedBackup"
            var byMethod = (succeeded ? cluster.status?.lastSuccessfulBackupByMethod : nil) ?? [:]
            if succeeded { byMethod[method] = time }
            var fields: [(String, JSONValue)] = [(key, .string(time)), ("conditions", ObjectCodec.encode(conditions))]
            if succeeded { fields.append(("lastSuccessfulBackupByMethod", ObjectCodec.encode(byMethod))) }
            let patch: JSONValue = .object([
                ("status", .object(fields)),
                ("metadata", .object([("resourceVersion", object["metadata"]?["resourceVersion"] ?? .null)])),
            ])
            do {
                _ = try await client.patch(
                    .clusters, namespace: namespace, name: backup.spec.cluster.name, patch, patchType: .merge,
                    subresource: "status", fieldManager: nil)
                return
            } catch let error as KubeAPIError where error.isConflict {
                continue
            }
        }
    }
}
