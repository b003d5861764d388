import Foundation

/// Is there room in pg_wal for one more WAL segment? Asked before PostgreSQL starts and after it
/// stopped unexpectedly: PostgreSQL shuts down when it cannot write WAL, and starting it again on
/// a full volume only crashes again. The answer is found by writing a segment-sized file (and
/// syncing it, since some file systems only report ENOSPC then) and removing it.
public struct WALSpaceCheck: Sendable {
    public struct NoRoom: Error, CustomStringConvertible {
        public let walDirectory: String
        public let segmentBytes: Int
        public let reason: String
        public var description: String {
            "not enough disk space for WAL: a \(segmentBytes >> 20) MiB segment cannot be written in \(walDirectory) (\(reason)); "
                + "PostgreSQL stays stopped until the volume is resized (increase spec.walStorage.size, or spec.storage.size without walStorage)"
        }
    }

    public static let probeFileName = ".cnpg-wal-space-check"
    public let walDirectory: String
    public let segmentBytes: Int

    public init(paths: InstancePaths, cluster: Cluster) {
        walDirectory = paths.dataFile("pg_wal")
        segmentBytes = (cluster.spec.bootstrap?.initdb?.walSegmentSize ?? 16) << 20
    }

    public init(walDirectory: String, segmentBytes: Int) {
        self.walDirectory = walDirectory
        self.segmentBytes = segmentBytes
    }

    /// Throws `NoRoom` only for a full volume (ENOSPC, EDQUOT); other failures are PostgreSQL's to report.
    public func verify() throws(NoRoom) {
        let path = walDirectory + "/" + Self.probeFileName
        unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return try Self.judge(errno, directory: walDirectory, segmentBytes: segmentBytes) }
        defer {
            close(descriptor)
            unlink(path)
        }
        let chunk = [UInt8](repeating: 0, count: 1 << 20)
        var written = 0
        while written < segmentBytes {
            let count = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, min(chunk.count, segmentBytes - written)) }
            guard count > 0 else { return try Self.judge(count < 0 ? errno : ENOSPC, directory: walDirectory, segmentBytes: segmentBytes) }
            written += count
        }
        if fsync(descriptor) != 0 { try Self.judge(errno, directory: walDirectory, segmentBytes: segmentBytes) }
    }

    private static func judge(_ code: Int32, directory: String, segmentBytes: Int) throws(NoRoom) {
        guard code == ENOSPC || code == EDQUOT else { return }
        throw NoRoom(walDirectory: directory, segmentBytes: segmentBytes, reason: String(cString: strerror(code)))
    }
}
