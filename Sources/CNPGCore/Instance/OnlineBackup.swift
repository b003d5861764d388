import Foundation

/// The instance manager's `/pg/mode/backup` API (operator only): a non-exclusive base backup
/// session held open on a dedicated connection while the operator takes volume snapshots.
/// Every answer is an envelope `{"data": ..., "error": {"code", "message"}}` as CNPG's.
public enum OnlineBackup {
    public enum Phase: String, Codable, Sendable {
        case starting, started, closing, completed
    }

    /// POST: open a session (`pg_backup_start`).
    public struct StartRequest: Codable, Sendable, Equatable {
        public var immediateCheckpoint: Bool?
        public var waitForArchive: Bool?
        public var backupName: String

        public init(backupName: String, immediateCheckpoint: Bool?, waitForArchive: Bool?) {
            self.backupName = backupName
            self.immediateCheckpoint = immediateCheckpoint
            self.waitForArchive = waitForArchive
        }
    }

    /// PUT: close the session named (`pg_backup_stop`).
    public struct StopRequest: Codable, Sendable, Equatable {
        public var backupName: String
        public init(backupName: String) { self.backupName = backupName }
    }

    /// The session as the operator sees it; `labelFile`/`spcmapFile` are bytes (base64 in JSON).
    public struct Session: Codable, Sendable, Equatable {
        public var backupName: String
        public var phase: Phase
        public var beginLSN: String?
        public var endLSN: String?
        public var labelFile: Data?
        public var spcmapFile: Data?

        public init(backupName: String, phase: Phase) {
            self.backupName = backupName
            self.phase = phase
        }
    }

    public struct Failure: Codable, Sendable, Equatable, Error {
        public var code: String
        public var message: String
        /// Whether the operator should simply ask again later.
        public var retryable: Bool?

        public init(code: Code, message: String) {
            self.code = code.rawValue
            self.message = message
            retryable = code == .anotherRequestInProgress ? true : nil
        }
    }

    public enum Code: String, Sendable {
        case anotherRequestInProgress = "ANOTHER_REQUEST_IN_PROGRESS"
        case failedToParseRequest = "FAILED_TO_PARSE_REQUEST"
        case cannotInitializeConnection = "CANNOT_INITIALIZE_CONNECTION"
        case noOngoingBackup = "NO_ONGOING_BACKUP"
        case notCurrentRunningBackup = "NOT_CURRENT_RUNNING_BACKUP"
        case backupFailed = "BACKUP_FAILED"
        case cannotCloseNotStarted = "CANNOT_CLOSE_NOT_STARTED"
        case statusContainsError = "BACKUP_STATUS_CONTAINS_ERROR"
    }

    public struct Envelope: Codable, Sendable, Equatable {
        public var data: Session?
        public var error: Failure?

        public init(data: Session?, error: Failure?) {
            self.data = data
            self.error = error
        }
    }

    /// The temporary physical slot that keeps the backup's WAL: the backup's name with every
    /// character outside `[a-z0-9_]` replaced by `_`, cut to PostgreSQL's 63-byte name limit.
    public static func slotName(for backupName: String) -> String {
        let mapped = backupName.lowercased().unicodeScalars.map { scalar -> Character in
            let allowed = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
            return allowed ? Character(scalar) : "_"
        }
        return String(String(mapped).prefix(63))
    }

    /// Whether a stop request for `requested` may close `current` (nil when it may).
    public static func refusalToStop(current: Session?, failed: Failure?, requested: String) -> (status: Int, failure: Failure)? {
        guard let current else { return (400, Failure(code: .noOngoingBackup, message: "no backup is in progress")) }
        guard current.backupName == requested else {
            return (422, Failure(code: .notCurrentRunningBackup, message: "the running backup is \(current.backupName), not \(requested)"))
        }
        if let failed { return (422, Failure(code: .backupFailed, message: failed.message)) }
        guard current.phase == .started else {
            return (422, Failure(code: .cannotCloseNotStarted, message: "the backup is \(current.phase.rawValue), not started"))
        }
        return nil
    }

    /// A Kubernetes object name as the backup label: nothing that could escape a string literal.
    public static func isAcceptableName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "."
            }
    }
}
