/// CNPG's `/pg/archive/partial`: a fenced primary hands the WAL segment its last checkpoint's redo
/// starts in to the archive as `<segment>.partial` (what a replica cluster's new designated primary
/// needs to continue the timeline). The rules; the instance manager does the I/O.
public enum PartialWALArchive {
    public enum Code: String, Sendable {
        case notFenced = "NOT_FENCED"
        case noClusterFound = "NO_CLUSTER_FOUND"
        case notExpectedPrimary = "NOT_EXPECTED_PRIMARY"
        case couldNotParseRedoWALFile = "COULD_NOT_PARSE_REDOWAL_FILE"
        case errorWhileCreatingSymlink = "ERROR_WHILE_CREATING_SYMLINK"
        case errorWhileExecutingWALArchive = "ERROR_WHILE_EXECUTING_WAL_ARCHIVE"
    }

    public struct Refusal: Error, Sendable, Equatable {
        public var code: Code
        public var message: String

        public init(_ code: Code, _ message: String) {
            self.code = code
            self.message = message
        }
    }

    /// Why `podName` may not archive its partial WAL now, nil when it may: it must be fenced (no
    /// new WAL) and be both the target and the current primary.
    public static func refusal(fenced: Bool, cluster: Cluster?, podName: String) -> Refusal? {
        guard fenced else { return Refusal(.notFenced, "the instance is not fenced") }
        guard let cluster else { return Refusal(.noClusterFound, "the cluster cannot be read") }
        let target = cluster.status?.targetPrimary ?? ""
        let current = cluster.status?.currentPrimary ?? ""
        guard target == podName, current == podName else {
            return Refusal(.notExpectedPrimary, "target primary \"\(target)\" and current primary \"\(current)\" are not both \(podName)")
        }
        return nil
    }

    /// `Latest checkpoint's REDO WAL file` from pg_controldata's output, when it names a segment
    /// (24 hexadecimal digits: timeline, log, segment).
    public static func redoWALFile(controldata: String) -> String? {
        guard let name = Controldata.fields(controldata)["Latest checkpoint's REDO WAL file"], name.utf8.count == 24,
            name.utf8.allSatisfy({ ("0"..."9").contains(Character(UnicodeScalar($0))) || ("A"..."F").contains(Character(UnicodeScalar($0))) })
        else { return nil }
        return name
    }

    /// The hard link handed to `wal-archive`, relative to PGDATA (its working directory).
    public static func partialPath(of walFile: String) -> String { "pg_wal/\(walFile).partial" }
}
