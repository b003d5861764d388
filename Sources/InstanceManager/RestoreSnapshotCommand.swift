import ArgumentParser
import CNPGCore
import Foundation
import Logging

/// `instance restoresnapshot` (the `<pod>-snapshot-recovery` job): the data volume was created
/// from a volume snapshot of a cold backup (a cleanly shut-down server); this makes it the new
/// cluster's primary: standby and recovery signals and the old cluster's replication slots go,
/// a temporary server finishes recovery, and the application database and owner are ensured.
/// The instance manager's `run` then writes this cluster's configuration, certificates and passwords.
struct RestoreSnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restoresnapshot",
        abstract: "Make a data directory restored from a cold-backup volume snapshot the new cluster's primary."
    )

    @OptionGroup var options: InstanceOptions

    @Option(name: .customLong("app-db-name"), help: "The application database to ensure.")
    var applicationDatabase: String?

    @Option(name: .customLong("app-user"), help: "The owner of the application database.")
    var applicationUser: String?

    @Option(name: .customLong("backuplabel"), help: "An online backup's label (base64): refused, there is no WAL archive to finish its recovery.")
    var backupLabel: String?

    func validate() throws {
        if (applicationDatabase == nil) != (applicationUser == nil) { throw ValidationError("--app-db-name and --app-user go together") }
        if backupLabel != nil {
            throw ValidationError(
                "--backuplabel: restoring an online backup needs the WAL archived up to its end, and no WAL archive is configured; restore a cold backup")
        }
    }

    func run() async throws {
        try await options.withContext("instance-restoresnapshot", restore)
    }

    func restore(_ context: InstanceContext) async throws {
        let (logger, binaries, paths) = (context.logger, context.binaries, options.paths)
        guard FileManager.default.fileExists(atPath: paths.dataFile("PG_VERSION")) else {
            throw ValidationError("\(paths.dataDirectory) holds no PostgreSQL data directory: was the volume created from the snapshot?")
        }
        let controldata = try await ChildProcess.run(
            binaries.path("pg_controldata"), [paths.dataDirectory], timeout: .seconds(30),
            scratchDirectory: paths.temporaryDirectory)
        let state = Controldata.fields(controldata.output)["Database cluster state"] ?? "unknown"
        guard state.hasPrefix("shut down") else {
            throw ValidationError("the snapshot's server was not shut down cleanly (state: \(state)): only cold backups can be restored without a WAL archive")
        }
        for leftover in ["standby.signal", "recovery.signal", "postmaster.pid", "backup_label"] {
            try? FileManager.default.removeItem(atPath: paths.dataFile(leftover))
        }
        let slots = paths.dataFile("pg_replslot")
        for slot in (try? FileManager.default.contentsOfDirectory(atPath: slots)) ?? [] {
            try FileManager.default.removeItem(atPath: "\(slots)/\(slot)")
        }
        logger.info("restored data directory prepared", metadata: ["state": "\(state)", "pgdata": "\(paths.dataDirectory)"])

        try context.writer.writeConfiguration(cluster: context.cluster, role: .primary, preserveMode: true)
        // Started once, the server finishes recovery; stopped, it is a clean primary for `run`.
        try await InitCommand.withTemporaryServer(binaries: binaries, paths: paths, port: options.port, logger: logger) { database in
            if let name = applicationDatabase, let owner = applicationUser {
                try await InitCommand.ensureRole(owner, in: database)
                try await InitCommand.ensureDatabase(name, owner: owner, in: database)
            }
        }
        logger.info("instance restored from a volume snapshot", metadata: ["pod": "\(options.podName)"])
    }
}
