import Foundation

/// CNPG's built-in `cnpg_collector_*` metrics from what one scrape observed (the I/O that fills
/// the snapshot lives in the instance manager).
public enum CollectorMetrics {
    public struct WALSettings: Sendable, Equatable {
        public var segmentSize: Double
        public var minSize: Double
        public var maxSize: Double
        public var keepSize: Double
        /// Bytes, or nil for -1 (no limit).
        public var maxSlotKeepSize: Double?

        public init(segmentSize: Double, minSize: Double, maxSize: Double, keepSize: Double, maxSlotKeepSize: Double?) {
            self.segmentSize = segmentSize
            self.minSize = minSize
            self.maxSize = maxSize
            self.keepSize = keepSize
            self.maxSlotKeepSize = maxSlotKeepSize
        }
    }

    /// What one scrape read; nil members were not (or could not be) read.
    public struct Snapshot: Sendable {
        public var clusterName: String
        public var cluster: Cluster?
        public var isPrimary = false
        public var up = false
        public var serverVersion: String?
        public var walSegments: (count: Int, bytes: Double)?
        public var walSettings: WALSettings?
        public var archiveStatus: (ready: Int, done: Int)?
        public var synchronousStandbyNames: String?
        /// `pg_stat_wal` columns by name, and its `stats_reset`.
        public var walStatistics: [String: Double]?
        public var walStatisticsReset = ""

        public init(clusterName: String) { self.clusterName = clusterName }
    }

    /// Collector bookkeeping kept across scrapes.
    public struct Bookkeeping: Sendable {
        public var collections = 0.0
        public var errors: [String: Double] = [:]
        public var lastCollectionFailed = false
        public var durations: [String: Double] = [:]
        public init() {}
    }

    static let name = "cnpg_collector_"

    public static func collections(_ bookkeeping: Bookkeeping) -> MetricFamily {
        .counter(name + "collections_total", "Total number of times PostgreSQL was accessed for metrics.", bookkeeping.collections)
    }

    /// A fenced instance exports only that it is fenced and that it was scraped (as CNPG).
    public static func fenced(_ bookkeeping: Bookkeeping) -> [MetricFamily] {
        [collections(bookkeeping), .gauge(name + "fencing_on", "1 if the instance is fenced, 0 otherwise", 1)]
    }

    public static func families(_ snapshot: Snapshot, _ bookkeeping: Bookkeeping) -> [MetricFamily] {
        var families: [MetricFamily] = [
            collections(bookkeeping),
            MetricFamily(
                name: name + "collection_errors_total", help: "Total errors occurred accessing PostgreSQL for metrics.", kind: .counter,
                samples: bookkeeping.errors.sorted { $0.key < $1.key }.map { .init(labels: [.init("collector", $0.key)], value: $0.value) }),
            .gauge(name + "last_collection_error", "1 if the last collection ended with error, 0 otherwise.", bookkeeping.lastCollectionFailed ? 1 : 0),
            MetricFamily(
                name: name + "collection_duration_seconds", help: "Collection time duration in seconds", kind: .gauge,
                samples: bookkeeping.durations.sorted { $0.key < $1.key }.map { .init(labels: [.init("collector", $0.key)], value: $0.value) }),
            .gauge(name + "up", "1 if PostgreSQL is up, 0 otherwise.", snapshot.up ? 1 : 0, labels: [.init("cluster", snapshot.clusterName)]),
            .gauge(name + "fencing_on", "1 if the instance is fenced, 0 otherwise", 0),
            .gauge(name + "replica_mode", "1 if the cluster is in replica mode, 0 otherwise", snapshot.cluster?.spec.replica?.enabled == true ? 1 : 0),
            .gauge(
                name + "manual_switchover_required", "1 if a manual switchover is required, 0 otherwise",
                snapshot.isPrimary && snapshot.cluster?.status?.phase == "Waiting for user action" ? 1 : 0),
            .gauge(
                name + "nodes_used",
                "NodesUsed represents the count of distinct nodes accommodating the instances. "
                    + "A value of '1' suggests that all instances are hosted on a single node, implying the absence of High Availability (HA). "
                    + "Ideally this value should match the number of instances in the cluster.",
                Double(snapshot.cluster?.status?.topology?.nodesUsed.map(Int.init) ?? -1)),
        ]
        if let version = snapshot.serverVersion, let number = versionNumber(version) {
            families.append(
                .gauge(
                    name + "postgres_version", "Postgres version", number,
                    labels: [.init("full", version), .init("cluster", snapshot.clusterName)]))
        }
        if let cluster = snapshot.cluster {
            families.append(syncReplicas(cluster, isPrimary: snapshot.isPrimary, standbyNames: snapshot.synchronousStandbyNames))
        }
        if let status = snapshot.archiveStatus {
            families.append(
                MetricFamily(
                    name: name + "pg_wal_archive_status",
                    help: "Number of WAL segments in the 'pg_wal/archive_status' directory (ready, done)", kind: .gauge,
                    samples: [
                        .init(labels: [.init("value", "ready")], value: Double(status.ready)),
                        .init(labels: [.init("value", "done")], value: Double(status.done)),
                    ]))
        }
        if let wal = walFamily(snapshot) { families.append(wal) }
        families += walStatistics(snapshot)
        return families
    }

    /// `15.14 (Debian 15.14-0+deb12u1)` → 15.14, as CNPG exports `major.minor` as a float.
    public static func versionNumber(_ serverVersion: String) -> Double? {
        let numeric = serverVersion.prefix { $0.isNumber || $0 == "." }
        let parts = numeric.split(separator: ".")
        guard let major = parts.first else { return nil }
        return Double(parts.count > 1 ? "\(major).\(parts[1])" : String(major))
    }

    /// N of `ANY N (...)` or `FIRST N (...)`; 0 when empty, -1 when unreadable.
    public static func observedSyncReplicas(_ standbyNames: String) -> Double {
        let trimmed = standbyNames.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return 0 }
        let words = trimmed.split(separator: " ", maxSplits: 2)
        if words.count >= 2, ["ANY", "FIRST"].contains(words[0].uppercased()), let number = Int(words[1]) { return Double(number) }
        if let number = Int(words[0]), words.count >= 2, words[1].hasPrefix("(") { return Double(number) }
        // A bare list of names means FIRST 1.
        return trimmed.hasPrefix("(") || words.count == 1 ? 1 : -1
    }

    static func syncReplicas(_ cluster: Cluster, isPrimary: Bool, standbyNames: String?) -> MetricFamily {
        let minimum = Double(cluster.spec.minSyncReplicas ?? 0)
        let maximum = Double(cluster.spec.maxSyncReplicas ?? 0)
        let expected: Double
        if let synchronous = cluster.spec.postgresql?.synchronous {
            expected = Double(synchronous.number)
        } else {
            let ready = Double(max(0, (cluster.status?.readyInstances ?? 1) - 1))
            var number = ready >= maximum ? maximum : minimum
            if ready < minimum { number = ready }
            expected = min(number, ready)
        }
        var samples: [MetricFamily.Sample] = [
            .init(labels: [.init("value", "min")], value: minimum),
            .init(labels: [.init("value", "max")], value: maximum),
            .init(labels: [.init("value", "expected")], value: expected),
        ]
        if isPrimary {
            samples.append(.init(labels: [.init("value", "observed")], value: standbyNames.map(observedSyncReplicas) ?? -1))
        }
        return MetricFamily(
            name: name + "sync_replicas", help: "Number of requested synchronous replicas (min, max, expected, observed)",
            kind: .gauge, samples: samples)
    }

    static func walFamily(_ snapshot: Snapshot) -> MetricFamily? {
        guard let segments = snapshot.walSegments, let settings = snapshot.walSettings, settings.segmentSize > 0 else { return nil }
        let segment = settings.segmentSize
        let values: [(String, Double)] = [
            ("count", Double(segments.count)), ("size", segments.bytes),
            ("min", settings.minSize / segment), ("max", settings.maxSize / segment), ("keep", settings.keepSize / segment),
            ("slots_max", settings.maxSlotKeepSize.map { $0 / segment } ?? .nan),
            ("volume_size", .nan), ("volume_max", .nan),
        ]
        return MetricFamily(
            name: name + "pg_wal",
            help: "WAL segments in pg_wal (count), their bytes (size), and the WAL size settings "
                + "in segments (min, max, keep, slots_max, volume_size, volume_max)", kind: .gauge,
            samples: values.map { .init(labels: [.init("value", $0.0)], value: $0.1) })
    }

    static func walStatistics(_ snapshot: Snapshot) -> [MetricFamily] {
        guard let statistics = snapshot.walStatistics else { return [] }
        let help: [(String, String)] = [
            ("wal_records", "Total number of WAL records generated"), ("wal_fpi", "Total number of WAL full page images generated"),
            ("wal_bytes", "Total amount of WAL generated in bytes"),
            ("wal_buffers_full", "Number of times WAL data was written to disk because WAL buffers became full"),
            ("wal_write", "Number of times WAL buffers were written out to disk via XLogWrite request. Only available on PG 14 to 17."),
            ("wal_sync", "Number of times WAL files were synced to disk via issue_xlog_fsync request. Only available on PG 14 to 17."),
            ("wal_write_time", "Total amount of time spent writing WAL buffers to disk via XLogWrite request, in milliseconds. Only available on PG 14 to 17."),
            (
                "wal_sync_time",
                "Total amount of time spent syncing WAL files to disk via issue_xlog_fsync request, in milliseconds. Only available on PG 14 to 17."
            ),
        ]
        return help.compactMap { column, text in
            statistics[column].map { .gauge(name + column, text, $0, labels: [.init("stats_reset", snapshot.walStatisticsReset)]) }
        }
    }

    /// Segment files in pg_wal are named by 24 hexadecimal digits.
    public static func isWALSegmentName(_ name: String) -> Bool {
        name.count == 24 && name.allSatisfy(\.isHexDigit)
    }
}
