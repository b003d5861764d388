import CNPGCore
import Foundation
import Logging

/// Runs `BackupReconciler` for each Backup and `ScheduledBackupReconciler` for each
/// ScheduledBackup, from their informers, inside the Cluster controller (so leader election
/// covers them). A Backup in progress is looked at again every second until it is over.
struct BackupController: Sendable {
    let client: any KubeClient
    let namespace: String?
    let backups: BackupReconciler
    let schedules: ScheduledBackupReconciler
    let logger: Logger

    func run() async {
        let backupQueue = WorkQueue<BackupReconciler.Key>(name: "backup")
        let scheduleQueue = WorkQueue<BackupReconciler.Key>(name: "scheduledbackup")
        await withTaskGroup(of: Void.self) { group in
            for (type, queue) in [(ResourceType.backups, backupQueue), (.scheduledBackups, scheduleQueue)] {
                group.addTask {
                    await Informer(client: client, type: type, namespace: namespace, resyncPeriod: .seconds(300)).run { event in
                        guard let object = event.current ?? event.previous, let name = object["metadata"]?["name"]?.stringValue,
                            let namespace = object["metadata"]?["namespace"]?.stringValue
                        else { return }
                        if type == .backups, case .deleted(let last) = event { await backups.released(last) }
                        await queue.add(BackupReconciler.Key(namespace: namespace, name: name))
                    }
                }
            }
            group.addTask { await backupQueue.work(label: "backup", logger: logger) { try await backups.reconcile($0) } }
            group.addTask { await scheduleQueue.work(label: "scheduledBackup", logger: logger) { try await schedules.reconcile($0) } }
            await withTaskCancellationHandler {
                await group.next()
            } onCancel: {
                Task {
                    await backupQueue.shutDown()
                    await scheduleQueue.shutDown()
                }
            }
            group.cancelAll()
        }
    }
}
