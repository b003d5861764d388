import CNPGCore
import Foundation
import Logging

/// One reconcile of one ScheduledBackup: creates the Backup its schedule calls for (not while
/// one of its Backups still runs), and keeps `lastCheckTime`, `lastScheduleTime`,
/// `nextScheduleTime` and `error` in its status; returns when the schedule fires next.
struct ScheduledBackupReconciler: Sendable {
    let client: any KubeClient
    let logger: Logger
    /// The longest wait between two looks (the clock may jump; the object may change unseen).
    let longestWait: Duration

    typealias Key = BackupReconciler.Key

    func reconcile(_ key: Key) async throws -> Duration? {
        let object: JSONValue
        do { object = try await client.get(.scheduledBackups, namespace: key.namespace, name: key.name) } catch let error as KubeAPIError where error.isNotFound
        {
            return nil
        }
        let scheduled = try ObjectCodec.decode(ScheduledBackup.self, from: object)
        guard scheduled.metadata.deletionTimestamp == nil, scheduled.metadata.annotation("cnpg.io/reconciliationLoop") != "disabled" else { return nil }
        let now = Date()
        switch ScheduledBackupPlan.next(scheduled, now: now) {
        case .suspended:
            return nil
        case .invalid(let message):
            if scheduled.status?.error != message { try await writeStatus(key, [("error", .string(message))]) }
            return nil
        case .wait(let next):
            let nextText = KubeTime.time(next)
            if scheduled.status?.nextScheduleTime != nextText || scheduled.status?.lastCheckTime == nil || scheduled.status?.error != nil {
                var fields: [(String, JSONValue)] = [("nextScheduleTime", .string(nextText)), ("error", .null)]
                if scheduled.status?.lastCheckTime == nil { fields.append(("lastCheckTime", .string(KubeTime.time(now)))) }
                try await writeStatus(key, fields)
            }
            return wait(until: next, now: now)
        case .createBackup(let scheduledAt, let immediate, let next):
            let mine = try await client.list(.backups, namespace: key.namespace, labelSelector: "cnpg.io/scheduled-backup=\(key.name)", fieldSelector: nil)
            let running = mine.items.filter { item in
                !(item["status"]?["phase"]?.stringValue.flatMap(BackupPhase.init(rawValue:))?.isFinal ?? false)
            }
            if !running.isEmpty { return .seconds(5) }
            let cluster = try? await client.get(Cluster.self, .clusters, namespace: key.namespace, name: scheduled.spec.cluster.name)
            let backup = ScheduledBackupPlan.backup(for: scheduled, cluster: cluster, at: scheduledAt, immediate: immediate)
            do {
                _ = try await client.create(.backups, namespace: key.namespace, ObjectCodec.encode(backup))
                logger.info("scheduled backup created", metadata: ["scheduledBackup": "\(key)", "backup": "\(backup.metadata.name ?? "")"])
            } catch let error as KubeAPIError where error.code == 409 {}
            try await writeStatus(
                key,
                [
                    ("lastCheckTime", .string(KubeTime.time(now))), ("lastScheduleTime", .string(KubeTime.time(scheduledAt))),
                    ("nextScheduleTime", .string(KubeTime.time(next))), ("error", .null),
                ])
            return wait(until: next, now: now)
        }
    }

    private func wait(until next: Date, now: Date) -> Duration {
        let seconds = max(0.1, next.timeIntervalSince(now))
        return min(.milliseconds(Int64(seconds * 1000)), longestWait)
    }

    private func writeStatus(_ key: Key, _ fields: [(String, JSONValue)]) async throws {
        _ = try await client.patch(
            .scheduledBackups, namespace: key.namespace, name: key.name, .object([("status", .object(fields))]),
            patchType: .merge, subresource: "status", fieldManager: nil)
    }
}
