import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg backup CLUSTER`: creates a Backup of the cluster (CNPG's plugin command), named
/// `<cluster>-<YYYYMMDDhhmmss>` unless `--backup-name` says otherwise.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Request a backup of a cluster (creates a Backup object).",
        discussion: "This operator takes backups with method volumeSnapshot; an object-store or plugin backup fails with the reason in its status."
    )

    @OptionGroup var connection: KubeconfigOptions

    @Argument(help: "The Cluster.")
    var cluster: String

    @Option(name: .customLong("backup-name"), help: "The Backup's name (default: <cluster>-<YYYYMMDDhhmmss>).")
    var backupName: String?

    @Option(name: .customLong("backup-target"), help: "primary or prefer-standby (default: the cluster's spec.backup.target).")
    var target: String?

    @Option(help: "volumeSnapshot, barmanObjectStore or plugin (default: the Backup's default, barmanObjectStore).")
    var method: String?

    @Option(help: "true for an online (hot) backup, false for a cold one (default: the cluster's setting, else true).")
    var online: Bool?

    @Option(name: .customLong("immediate-checkpoint"), help: "Online backups: start with an immediate checkpoint (true or false).")
    var immediateCheckpoint: Bool?

    @Option(name: .customLong("wait-for-archive"), help: "Online backups: wait for the WAL to be archived at the end (true or false).")
    var waitForArchive: Bool?

    func validate() throws {
        if let target, !["primary", "prefer-standby"].contains(target) {
            throw ValidationError("--backup-target: \"\(target)\" is not one of primary, prefer-standby")
        }
        if let method, !["volumeSnapshot", "barmanObjectStore", "plugin"].contains(method) {
            throw ValidationError("--method: \"\(method)\" is not one of volumeSnapshot, barmanObjectStore, plugin")
        }
        if let backupName, !OnlineBackup.isAcceptableName(backupName) {
            throw ValidationError("--backup-name: \"\(backupName)\" is not a valid object name (lowercase letters, digits, '-' and '.')")
        }
    }

    func run() async throws {
        let (client, namespace) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        _ = try await ClusterLookup.get(client, cluster, namespace: namespace)
        let name = backupName ?? "\(cluster)-\(KubeTime.compactStamp(Date()))"
        var spec = BackupSpec(cluster: LocalObjectReference(name: cluster))
        spec.target = target
        spec.method = method
        spec.online = online
        if immediateCheckpoint != nil || waitForArchive != nil {
            spec.onlineConfiguration = OnlineConfiguration(waitForArchive: waitForArchive, immediateCheckpoint: immediateCheckpoint)
        }
        let backup = Backup(
            apiVersion: CNPG.apiVersion, kind: Backup.kind, metadata: ObjectMeta(name: name, namespace: namespace),
            spec: spec, status: nil)
        _ = try await client.create(.backups, namespace: namespace, ObjectCodec.encode(backup))
        print("backup/\(name) created")
    }
}
