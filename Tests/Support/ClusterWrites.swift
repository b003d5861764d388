import Foundation

/// A `ContinuousWriter` through a cluster's service into a table of its own, and the check after
/// a failover or a switchover that every insert it saw acknowledged is there. Shared by the
/// end-to-end tests (which assert on the outcome) and the benchmarks (which measure it).
public enum ClusterWrites {
    public struct Outcome: Sendable {
        public var report: ContinuousWriter.Report
        /// Whether the writer wrote again after the instant it was given, within the bound.
        public var resumed: Bool
        /// The `SELECT id` that read the table back.
        public var readBack: ExternalTool.Result
        /// Acknowledged inserts not in the table.
        public var missing: [Int]
    }

    /// Creates `table` through `host` (the app user) and starts writing into it, trusting the
    /// cluster's CA (`<cluster>-ca` as it is now, or what `trustedCA` says at each connection).
    public static func start(
        _ sandbox: RunningSandbox, binaries: URL, host: String, password: String, table: String,
        cluster: String = "cluster-example", trustedCA: (@Sendable () -> String)? = nil,
        reconnectEvery: Int? = nil
    ) throws -> ContinuousWriter {
        let created = try PSQL.run(binaries, host: host, password: password, "CREATE TABLE \(table) (id int PRIMARY KEY)")
        guard created.status == 0 else { throw TestFailure("CREATE TABLE \(table): \(created.error)") }
        let caPEM = sandbox.secretValue("\(cluster)-ca", #"ca\.crt"#)
        let writer = ContinuousWriter(
            target: .init(host: host, user: "app", password: password, database: "app", trustedCA: trustedCA ?? { caPEM }),
            table: table, reconnectEvery: reconnectEvery)
        writer.start()
        return writer
    }

    /// Waits (at most `resumeWithin` seconds) until the writer has written again after `instant`,
    /// stops it and reads `table` back (retrying for `readBackWithin` seconds; 0 reads once).
    public static func finish(
        _ writer: ContinuousWriter, since instant: ContinuousClock.Instant, binaries: URL, host: String,
        password: String, table: String, resumeWithin: Double, readBackWithin: Double = 0
    ) async throws -> Outcome {
        let resumed = await Eventually.check(within: resumeWithin) { writer.acknowledged(after: instant) >= 25 }
        let report = await writer.stop()
        var stored = try PSQL.run(binaries, host: host, password: password, "SELECT id FROM \(table)")
        if stored.status != 0 {
            _ = await Eventually.check(within: readBackWithin) {
                stored = (try? PSQL.run(binaries, host: host, password: password, "SELECT id FROM \(table)")) ?? stored
                return stored.status == 0
            }
        }
        let ids = Set(stored.output.split(separator: "\n").compactMap { Int($0) })
        return Outcome(report: report, resumed: resumed, readBack: stored, missing: report.acknowledged.filter { !ids.contains($0) })
    }
}
