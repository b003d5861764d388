import CNPGCore
import Foundation
import Logging

/// The instance's Prometheus exporter (port 9187): CNPG's built-in collector metrics on every
/// scrape, and the monitoring queries (default and custom) computed at most once per
/// `spec.monitoring.metricsQueriesTTL` and served from cache in between.
actor MetricsExporter {
    let clusterName: String
    let probe: CollectorProbe
    let runner: MonitoringQueryRunner
    let postmaster: Postmaster
    let logger: Logger

    private var cluster: Cluster?
    private var queries = MonitoringQuerySet()
    private var loadedSources: [MonitoringSources.Source] = []
    private var bookkeeping = CollectorMetrics.Bookkeeping()
    private var queryErrors: [String: Double] = [:]
    private var cached: (families: [MetricFamily], at: ContinuousClock.Instant)?
    private var cacheHits = 0.0
    private var cacheMiss = 0.0
    private var lastQueryError = false
    private var lastUpdate = 0.0

    init(clusterName: String, database: LocalDatabase, paths: InstancePaths, postmaster: Postmaster, logger: Logger) {
        self.clusterName = clusterName
        self.probe = CollectorProbe(database: database, paths: paths, logger: logger)
        self.runner = MonitoringQueryRunner(database: database, logger: logger)
        self.postmaster = postmaster
        self.logger = logger
    }

    /// The Cluster and its query sources, as the instance reconciler read them. Sources are
    /// parsed again only when their text changed; a source that does not parse is reported and
    /// left out, the others still apply.
    func update(cluster: Cluster, sources: [MonitoringSources.Source]) {
        self.cluster = cluster
        guard sources != loadedSources else { return }
        loadedSources = sources
        var set = MonitoringQuerySet()
        for source in sources {
            do {
                let replaced = set.merge(try MonitoringQueryParser.parse(source.text, source: source.name))
                for key in replaced {
                    logger.warning("Query with the same name already found. Overwriting the existing one.", metadata: ["queryName": "\(key)"])
                }
            } catch {
                logger.error("custom monitoring queries not loaded", metadata: ["error": "\(error)"])
            }
        }
        queries = set
        cached = nil
        logger.info("monitoring queries loaded", metadata: ["queries": "\(set.queries.count)", "sources": "\(sources.count)"])
    }

    func scrape() async -> String {
        MetricsText.render(await families())
    }

    func families() async -> [MetricFamily] {
        bookkeeping.collections += 1
        if await postmaster.isFenced { return CollectorMetrics.fenced(bookkeeping) }
        if await postmaster.mightBeUnavailable {
            bookkeeping.lastCollectionFailed = false
            return [CollectorMetrics.collections(bookkeeping)]
        }
        let started = ContinuousClock.now
        let result = await probe.probe(clusterName: clusterName, cluster: cluster)
        bookkeeping.durations["Collect.up"] = result.upSeconds
        for step in result.failedSteps { bookkeeping.errors[step, default: 0] += 1 }
        let queryFamilies = result.snapshot.up ? await queryFamilies(isPrimary: result.snapshot.isPrimary, version: result.version) : []
        bookkeeping.lastCollectionFailed = !result.failedSteps.isEmpty
        bookkeeping.durations["Collect.cnpg"] = (ContinuousClock.now - started).secondsValue
        var families = MetricFamilySet(CollectorMetrics.families(result.snapshot, bookkeeping))
        families.add(contentsOf: queryFamilies)
        return families.families + queryBookkeeping()
    }

    private var ttl: Duration {
        .milliseconds(Int64((cluster?.spec.monitoring?.metricsQueriesTTL.flatMap(GoDuration.seconds) ?? 30) * 1000))
    }

    private func queryFamilies(isPrimary: Bool, version: [Int]) async -> [MetricFamily] {
        if let cached, ContinuousClock.now - cached.at < ttl {
            cacheHits += 1
            return cached.families
        }
        var context = MonitoringQueryRunner.Context(
            isPrimary: isPrimary, version: version,
            applicationDatabase: cluster?.spec.bootstrap?.application.database ?? "app",
            connectableDatabases: [])
        var failed = false
        do {
            context.connectableDatabases = try await runner.connectableDatabases()
        } catch {
            failed = true
            logger.warning("metrics: cannot list databases", metadata: ["error": "\(String(reflecting: error))"])
        }
        var set = MetricFamilySet()
        for query in [DefaultMonitoringQueries.collector] + queries.queries {
            do {
                set.add(contentsOf: try await runner.run(query, context: context))
            } catch {
                failed = true
                queryErrors[query.key, default: 0] += 1
                logger.warning("metrics: monitoring query failed", metadata: ["query": "\(query.key)", "error": "\(String(reflecting: error))"])
            }
        }
        cached = (set.families, ContinuousClock.now)
        cacheMiss = 1
        cacheHits = 0
        lastQueryError = failed
        lastUpdate = Date().timeIntervalSince1970
        return set.families
    }

    private func queryBookkeeping() -> [MetricFamily] {
        [
            MetricFamily(
                name: "cnpg_errors_total", help: "Total errors occurred accessing PostgreSQL for metrics.", kind: .counter,
                samples: queryErrors.sorted { $0.key < $1.key }.map { .init(labels: [.init("errorUserQueries", $0.key)], value: $0.value) }),
            .gauge("cnpg_last_error", "1 if the last collection ended with error, 0 otherwise.", lastQueryError ? 1 : 0),
            .gauge("cnpg_last_update_timestamp", "Timestamp of the last update of the monitoring queries' results (unix time)", lastUpdate),
            .gauge("cnpg_cache_hits", "Total number of cache hits since the last recomputation of the monitoring queries", cacheHits),
            .gauge("cnpg_cache_miss", "1 if the last scrape recomputed the monitoring queries, 0 otherwise", cacheMiss),
        ]
    }
}
