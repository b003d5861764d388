import CNPGCore
import Foundation
import Logging
import PostgresNIO

/// Reads what the built-in `cnpg_collector_*` metrics report: server state over one
/// `cnpg_metrics_exporter` connection per scrape, WAL files from the data directory. Each failing step is
/// named as CNPG names it (`Collect.PGVersion`, …) and counted by the exporter.
struct CollectorProbe: Sendable {
    let database: LocalDatabase
    let paths: InstancePaths
    let logger: Logger

    struct Result: Sendable {
        var snapshot: CollectorMetrics.Snapshot
        var failedSteps: [String] = []
        var version: [Int] = []
        var upSeconds = 0.0
    }

    func probe(clusterName: String, cluster: Cluster?) async -> Result {
        var result = Result(snapshot: CollectorMetrics.Snapshot(clusterName: clusterName))
        result.snapshot.cluster = cluster
        let logger = self.logger
        let started = ContinuousClock.now
        do {
            // One connection per scrape; the WAL readings fail on their own, as steps.
            let reading = try await database.withConnection(user: MonitoringQueryRunner.user) { connection in
                let server =
                    try await connection.rows(
                        """
                        SELECT pg_catalog.pg_is_in_recovery()::text, pg_catalog.current_setting('server_version'),
                               pg_catalog.current_setting('server_version_num'), pg_catalog.current_setting('synchronous_standby_names')
                        """, logger: logger
                    ).first ?? []
                let upSeconds = (ContinuousClock.now - started).secondsValue
                let settings = try? await Self.walSettings(connection, logger: logger)
                let statistics = try? await Self.walStatistics(connection, logger: logger)
                return (server, upSeconds, settings, statistics)
            }
            let server = reading.0
            result.upSeconds = reading.1
            result.snapshot.up = true
            result.snapshot.isPrimary = server.first == "false"
            result.snapshot.serverVersion = server.count > 1 ? server[1] : nil
            if server.count > 2, let number = Int(server[2] ?? "") { result.version = [number / 10000, number % 10000] }
            result.snapshot.synchronousStandbyNames = server.count > 3 ? server[3] : nil
            if let settings = reading.2 { result.snapshot.walSettings = settings } else { result.failedSteps.append("Collect.PGWalSettings") }
            if let statistics = reading.3 {
                (result.snapshot.walStatistics, result.snapshot.walStatisticsReset) = statistics
            } else {
                result.failedSteps.append("Collect.PGWALStat")
            }
        } catch {
            result.upSeconds = (ContinuousClock.now - started).secondsValue
            result.failedSteps.append("Collect.up")
            logger.debug("metrics: PostgreSQL is not reachable", metadata: ["error": "\(String(reflecting: error))"])
            return result
        }
        if let segments = walSegments() { result.snapshot.walSegments = segments } else { result.failedSteps.append("Collect.PgWALDirectory") }
        if let status = archiveStatus() { result.snapshot.archiveStatus = status } else { result.failedSteps.append("Collect.PgWALArchiveStats") }
        return result
    }

    private static func walSettings(_ connection: PostgresConnection, logger: Logger) async throws -> CollectorMetrics.WALSettings {
        let rows = try await connection.rows(
            """
            SELECT name::text, setting::text, COALESCE(unit, '')::text FROM pg_catalog.pg_settings
            WHERE name IN ('wal_segment_size', 'min_wal_size', 'max_wal_size', 'wal_keep_size', 'max_slot_wal_keep_size')
            """, logger: logger)
        var bytes: [String: Double] = [:]
        for row in rows where row.count == 3 {
            guard let name = row[0], let setting = row[1].flatMap(Double.init) else { continue }
            bytes[name] = setting < 0 ? -1 : setting * Self.unitBytes(row[2] ?? "")
        }
        let slots = bytes["max_slot_wal_keep_size"] ?? -1
        return CollectorMetrics.WALSettings(
            segmentSize: bytes["wal_segment_size"] ?? 0, minSize: bytes["min_wal_size"] ?? 0,
            maxSize: bytes["max_wal_size"] ?? 0, keepSize: bytes["wal_keep_size"] ?? 0,
            maxSlotKeepSize: slots < 0 ? nil : slots)
    }

    /// pg_settings units: `B`, `kB`, `MB`, `GB`, optionally with a multiplier (`8kB`, `16MB`).
    static func unitBytes(_ unit: String) -> Double {
        let digits = unit.prefix { $0.isNumber }
        let multiplier = Double(digits) ?? 1
        switch unit.dropFirst(digits.count) {
        case "kB": return multiplier * 1024
        case "MB": return multiplier * 1024 * 1024
        case "GB": return multiplier * 1024 * 1024 * 1024
        case "TB": return multiplier * 1024 * 1024 * 1024 * 1024
        default: return multiplier
        }
    }

    private static func walStatistics(_ connection: PostgresConnection, logger: Logger) async throws -> ([String: Double], String) {
        let text = try await connection.text("SELECT pg_catalog.row_to_json(w)::text FROM pg_catalog.pg_stat_wal w", logger: logger)
        guard let text, case .object(let members) = try JSONText.parse(text) else { return ([:], "") }
        var values: [String: Double] = [:]
        var reset = ""
        for (name, value) in members {
            if name == "stats_reset" { reset = value.stringValue ?? "" } else if let number = value.doubleValue { values[name] = number }
        }
        return (values, reset)
    }

    private var walDirectory: String { paths.dataFile("pg_wal") }

    private func walSegments() -> (count: Int, bytes: Double)? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: walDirectory) else { return nil }
        var count = 0
        var bytes = 0.0
        for name in names where CollectorMetrics.isWALSegmentName(name) {
            count += 1
            let size = (try? FileManager.default.attributesOfItem(atPath: walDirectory + "/" + name)[.size] as? NSNumber)?.doubleValue
            bytes += size ?? 0
        }
        return (count, bytes)
    }

    private func archiveStatus() -> (ready: Int, done: Int)? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: walDirectory + "/archive_status") else { return nil }
        return (names.filter { $0.hasSuffix(".ready") }.count, names.filter { $0.hasSuffix(".done") }.count)
    }
}
