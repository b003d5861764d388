import CNPGCore
import Logging
import ServiceLifecycle

/// Every minute, ends a backup session nobody wants any more (its Backup is gone or finished, its
/// connection died, or the operator stopped asking). On graceful shutdown it ends the session
/// before PostgreSQL stops: an open backup connection would hold a smart shutdown back.
struct OnlineBackupSweeper: ServiceLifecycle.Service {
    let session: OnlineBackupSession
    let access: ClusterAccess
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let access = self.access
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { break }
                await session.sweep(
                    backupStillRunning: { name in await Self.isRunning(name, access: access) },
                    abandonedAfter: .seconds(600))
            }
        }
        await session.close()
    }

    /// Whether the Backup exists and is not over; an unreadable one counts as running (no abort on an API hiccup).
    static func isRunning(_ name: String, access: ClusterAccess) async -> Bool {
        do {
            let backup = try await access.client.get(.backups, namespace: access.namespace, name: name)
            let phase = backup["status"]?["phase"]?.stringValue
            return phase != BackupPhase.completed.rawValue && phase != BackupPhase.failed.rawValue
        } catch let error as KubeAPIError where error.isNotFound {
            return false
        } catch {
            return true
        }
    }
}
