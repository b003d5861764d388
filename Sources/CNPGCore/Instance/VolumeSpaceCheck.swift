import Foundation

/// How full an instance's volumes are, reported on `/pg/status` so the operator can tell a volume
/// running out before PostgreSQL stops.
public struct VolumeSpace: Codable, Sendable, Equatable {
    /// `PG_DATA` or `PG_WAL` (the claim's `cnpg.io/pvcRole`); WAL inside PGDATA is PG_DATA's.
    public var role: String
    public var totalBytes: Int64
    public var availableBytes: Int64

    public init(role: String, totalBytes: Int64, availableBytes: Int64) {
        self.role = role
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
    }
}

/// Is there room on the instance's volumes for one more WAL segment? Asked before PostgreSQL starts
/// and after it stopped unexpectedly: PostgreSQL stops when it cannot write WAL (and a standby
/// when it cannot replay into a full PGDATA), and starting it again on a full volume only crashes
/// again. Each distinct volume (PGDATA, and pg_wal when it is a volume of its own) gets a
/// segment-sized file written, synced (some file systems only report ENOSPC then) and removed.
public struct VolumeSpaceCheck: Sendable {
    public struct Volume: Sendable, Equatable {
        public let role: PVCBuilder.Role
        public let directory: String
        /// The Cluster field that sizes this volume.
        public var sizeField: String { role == .wal ? "spec.walStorage.size" : "spec.storage.size" }
    }

    public struct NoRoom: Error, CustomStringConvertible {
        public let volume: Volume
        public let segmentBytes: Int
        public let reason: String
        public var description: String {
            "not enough disk space for WAL: a \(segmentBytes >> 20) MiB segment cannot be written in \(volume.directory) "
                + "(\(volume.role.rawValue) volume: \(reason)); PostgreSQL stays stopped until the volume is resized (increase \(volume.sizeField))"
        }
    }

    public static let probeFileName = ".cnpg-space-check"
    public let volumes: [Volume]
    public let segmentBytes: Int

    /// PGDATA's volume, and pg_wal's when it lives on another device (spec.walStorage).
    public init(paths: InstancePaths, cluster: Cluster) {
        let wal = Volume(role: .wal, directory: paths.dataFile("pg_wal"))
        let data = Volume(role: .data, directory: paths.dataDirectory)
        let separate = Self.device(of: wal.directory).map { $0 != Self.device(of: data.directory) } ?? false
        self.init(volumes: separate ? [data, wal] : [data], segmentBytes: (cluster.spec.bootstrap?.initdb?.walSegmentSize ?? 16) << 20)
    }

    public init(volumes: [Volume], segmentBytes: Int) {
        self.volumes = volumes
        self.segmentBytes = segmentBytes
    }

    public static func volume(_ role: PVCBuilder.Role, directory: String) -> Volume { Volume(role: role, directory: directory) }

    /// Throws `NoRoom` only for a full volume (ENOSPC, EDQUOT); other failures are PostgreSQL's to report.
    public func verify() throws(NoRoom) {
        for volume in volumes { try probe(volume) }
    }

    /// Size and free space of each volume (statvfs; what an unprivileged user may still use).
    public func usage() -> [VolumeSpace] {
        volumes.compactMap { volume in
            var stats = statvfs()
            guard statvfs(volume.directory, &stats) == 0 else { return nil }
            let unit = Int64(stats.f_frsize)
            return VolumeSpace(role: volume.role.rawValue, totalBytes: Int64(stats.f_blocks) * unit, availableBytes: Int64(stats.f_bavail) * unit)
        }
    }

    private func probe(_ volume: Volume) throws(NoRoom) {
        let path = volume.directory + "/" + Self.probeFileName
        unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return try judge(errno, volume) }
        defer {
            close(descriptor)
            unlink(path)
        }
        let chunk = [UInt8](repeating: 0, count: 1 << 20)
        var written = 0
        while written < segmentBytes {
            let count = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, min(chunk.count, segmentBytes - written)) }
            guard count > 0 else { return try judge(count < 0 ? errno : ENOSPC, volume) }
            written += count
        }
        if fsync(descriptor) != 0 { try judge(errno, volume) }
    }

    private func judge(_ code: Int32, _ volume: Volume) throws(NoRoom) {
        guard code == ENOSPC || code == EDQUOT else { return }
        throw NoRoom(volume: volume, segmentBytes: segmentBytes, reason: String(cString: strerror(code)))
    }

    static func device(of path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_dev)
    }
}
