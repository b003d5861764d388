import CNPGCore
import Foundation
import Logging
import PostgresNIO

/// The one non-exclusive base backup an instance can be in (`/pg/mode/backup`). PostgreSQL ties
/// such a backup to the session that started it, so the session keeps a dedicated connection
/// from `pg_backup_start` to `pg_backup_stop`; closing it aborts the backup. Start and stop run
/// in the background: the operator polls GET until the phase moves on.
actor OnlineBackupSession {
    private let database: LocalDatabase
    private let logger: Logger
    private var current: OnlineBackup.Session?
    private var failure: OnlineBackup.Failure?
    private var connection: PostgresConnection?
    /// What the current session's stop waits for (its start request's `waitForArchive`).
    private var waitForArchive = true
    private var handlingRequest = false
    /// When the current session was last asked about (a session nobody asks about is abandoned).
    private var lastContact = ContinuousClock.now

    init(database: LocalDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    struct Answer: Sendable {
        var status: Int
        var envelope: OnlineBackup.Envelope
    }

    func status() -> Answer {
        lastContact = .now
        let error = failure.map { OnlineBackup.Failure(code: .statusContainsError, message: $0.message) }
        return Answer(status: 200, envelope: OnlineBackup.Envelope(data: current, error: error))
    }

    func start(_ request: OnlineBackup.StartRequest) async -> Answer {
        guard !handlingRequest else { return busy() }
        handlingRequest = true
        defer { handlingRequest = false }
        await closeConnection()
        current = nil
        failure = nil
        let opened: PostgresConnection
        do {
            opened = try await database.connect()
        } catch {
            return Answer(status: 422, envelope: .init(data: nil, error: .init(code: .cannotInitializeConnection, message: "\(error)")))
        }
        connection = opened
        lastContact = .now
        waitForArchive = request.waitForArchive ?? true
        current = OnlineBackup.Session(backupName: request.backupName, phase: .starting)
        logger.info(
            "starting an online backup",
            metadata: [
                "backupName": "\(request.backupName)",
                "immediateCheckpoint": "\(request.immediateCheckpoint ?? false)",
            ])
        Task { await self.begin(request, on: opened) }
        return Answer(status: 200, envelope: .init(data: current, error: nil))
    }

    func stop(_ request: OnlineBackup.StopRequest) async -> Answer {
        guard !handlingRequest else { return busy() }
        lastContact = .now
        if let (status, refusal) = OnlineBackup.refusalToStop(current: current, failed: failure, requested: request.backupName) {
            return Answer(status: status, envelope: .init(data: current, error: refusal))
        }
        guard let connection else {
            return Answer(status: 422, envelope: .init(data: current, error: .init(code: .backupFailed, message: "the backup connection is gone")))
        }
        current?.phase = .closing
        Task { await self.finish(request.backupName, waitForArchive: waitForArchive, on: connection) }
        return Answer(status: 200, envelope: .init(data: current, error: nil))
    }

    private func busy() -> Answer {
        Answer(status: 422, envelope: .init(data: current, error: .init(code: .anotherRequestInProgress, message: "another request is in progress")))
    }

    private func begin(_ request: OnlineBackup.StartRequest, on connection: PostgresConnection) async {
        let slot = OnlineBackup.slotName(for: request.backupName)
        let fast = request.immediateCheckpoint ?? false
        do {
            // The temporary slot holds back WAL removal from the backup's start until the session ends.
            try await connection.query("SELECT pg_create_physical_replication_slot(\(slot), true, true)", logger: logger)
            let rows = try await connection.query("SELECT pg_backup_start(\(request.backupName), \(fast))::text", logger: logger)
            var begin: String?
            for try await row in rows { begin = try row.decode(String.self) }
            guard current?.backupName == request.backupName, self.connection === connection else { return }
            current?.beginLSN = begin
            current?.phase = .started
            logger.info("online backup started", metadata: ["backupName": "\(request.backupName)", "beginLSN": "\(begin ?? "")"])
        } catch {
            fail(request.backupName, connection, "cannot start the backup: \(String(reflecting: error))")
        }
    }

    private func finish(_ backupName: String, waitForArchive: Bool, on connection: PostgresConnection) async {
        do {
            let rows = try await connection.query(
                "SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(\(waitForArchive))", logger: logger)
            var stopped: (String, String, String?)?
            for try await row in rows { stopped = try row.decode((String, String, String?).self) }
            guard current?.backupName == backupName, self.connection === connection, let stopped else { return }
            current?.endLSN = stopped.0
            current?.labelFile = Data(stopped.1.utf8)
            current?.spcmapFile = Data((stopped.2 ?? "").utf8)
            current?.phase = .completed
            logger.info("online backup completed", metadata: ["backupName": "\(backupName)", "endLSN": "\(stopped.0)"])
            await closeConnection()
        } catch {
            fail(backupName, connection, "cannot stop the backup: \(String(reflecting: error))")
        }
    }

    private func fail(_ backupName: String, _ connection: PostgresConnection, _ message: String) {
        guard current?.backupName == backupName, self.connection === connection else { return }
        failure = OnlineBackup.Failure(code: .backupFailed, message: message)
        logger.warning("online backup failed", metadata: ["backupName": "\(backupName)", "error": "\(message)"])
        Task { await self.closeConnection() }
    }

    private func closeConnection() async {
        guard let connection else { return }
        self.connection = nil
        try? await connection.close()
    }

    /// CNPG's stale-session sweep: a session whose connection died, whose Backup is gone or over,
    /// or that nobody asked about for `abandonedAfter`, ends (which aborts an unfinished backup).
    func sweep(backupStillRunning: @Sendable (String) async -> Bool, abandonedAfter: Duration) async {
        guard let session = current, session.phase != .completed else { return }
        if let connection, connection.isClosed, failure == nil {
            failure = OnlineBackup.Failure(code: .backupFailed, message: "the backup connection was closed")
        }
        let abandoned = ContinuousClock.now - lastContact > abandonedAfter
        var unwanted = failure != nil || abandoned
        if !unwanted { unwanted = await !backupStillRunning(session.backupName) }
        guard unwanted else { return }
        guard current?.backupName == session.backupName else { return }
        logger.info("closing a stale backup session", metadata: ["backupName": "\(session.backupName)"])
        await closeConnection()
        if failure == nil { failure = OnlineBackup.Failure(code: .backupFailed, message: "the backup session was closed as stale") }
    }

    /// Ends any session (the instance is stopping).
    func close() async {
        await closeConnection()
    }
}
