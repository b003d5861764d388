import CNPGCore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// PgBouncer's metrics on 9127 (`/metrics`, over TLS 1.3 with PgBouncer's client certificate when
/// the Pooler's `monitoring.tls.enabled`), as CNPG's pooler pods export them: each scrape runs
/// `SHOW LISTS`, `SHOW POOLS` and `SHOW STATS` on the admin console, plus the collector's own
/// bookkeeping (`cnpg_pgbouncer_collections_total`, `_last_collection_error`, `_collection_duration_seconds`).
actor PgBouncerExporter {
    let client: PgBouncerAdminClient
    private var collections = 0.0
    private var errors = 0.0

    init(client: PgBouncerAdminClient = PgBouncerAdminClient()) { self.client = client }

    func scrape() async -> String {
        let started = ContinuousClock.now
        var families: [MetricFamily] = []
        var failed = false
        do {
            let results = try await client.show(["SHOW LISTS;", "SHOW POOLS;", "SHOW STATS;"])
            families = PgBouncerMetrics.families(lists: results[0], pools: results[1], stats: results[2])
        } catch {
            failed = true
            errors += 1
        }
        collections += 1
        let duration = ContinuousClock.now - started
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        families += [
            .counter("cnpg_pgbouncer_collections_total", "Total number of times PgBouncer was scraped for metrics.", collections),
            .counter("cnpg_pgbouncer_collection_errors_total", "Total number of scrapes that failed.", errors),
            .gauge("cnpg_pgbouncer_last_collection_error", "1 if the last collection ended with an error, 0 otherwise.", failed ? 1 : 0),
            .gauge(
                "cnpg_pgbouncer_collection_duration_seconds", "Collection time duration in seconds.", seconds,
                labels: [.init("collector", "Collect.up")]),
        ]
        return MetricsText.render(families)
    }

    static func application(
        address: String, port: Int, exporter: PgBouncerExporter, certificate: ServingCertificate? = nil, logger: Logger
    ) throws -> any ServiceLifecycle.Service {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            InstanceHTTP.response(.ok, contentType: MetricsText.contentType, await exporter.scrape())
        }
        return try InstanceHTTP.application(
            router: router, address: address, port: port, certificate: certificate, serverName: "pgbouncer-metrics",
            logger: logger)
    }
}
