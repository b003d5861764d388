import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// CNPG's custom-queries format, how query results become metrics, and the text exposition.
@Suite struct MonitoringTests {
    static let customQueries = """
        pg_example:
          query: "SELECT datname, state, n, flag, duration FROM somewhere"
          primary: true
          target_databases: ["app", "x*"]
          metrics:
            - datname:
                usage: "LABEL"
                description: "Database"
            - state:
                usage: "MAPPEDMETRIC"
                description: "State"
                metric_mapping:
                  up: 1
                  down: 0
            - n:
                usage: "COUNTER"
                description: "A count"
            - flag:
                usage: "GAUGE"
                description: "A flag"
            - duration:
                usage: "DURATION"
                description: "A duration"
        latency:
          name: request
          runonserver: ">=15.0.0 <17.0.0"
          query: "SELECT 1"
          metrics:
            - seconds:
                usage: "HISTOGRAM"
                description: "Latency"
        """

    @Test func parsesCNPGsFormat() throws {
        let queries = try MonitoringQueryParser.parse(Self.customQueries, source: "configmap custom key queries")
        #expect(queries.map(\.key) == ["pg_example", "latency"])
        let example = queries[0]
        #expect(example.primaryOnly)
        #expect(example.targetDatabases == ["app", "x*"])
        #expect(example.columns.map(\.usage) == [.label, .mappedMetric, .counter, .gauge, .duration])
        #expect(example.columns[1].mapping == ["up": 1, "down": 0])
        #expect(queries[1].prefix == "cnpg_request")
        #expect(queries[1].expectedColumns == ["seconds", "seconds_bucket", "seconds_sum", "seconds_count"])
    }

    @Test func parseErrorsNameTheSourceQueryAndField() {
        let cases: [(String, String)] = [
            ("q:\n  metrics: []\n", "configmap c key k: query q: field query is required"),
            ("q:\n  query: SELECT 1\n  metrics:\n    - a:\n        usage: SUM\n", "query q: metrics[0] (a): usage must be one of DISCARD, LABEL"),
            ("q:\n  query: SELECT 1\n  metrics:\n    - a:\n        usage: MAPPEDMETRIC\n", "MAPPEDMETRIC needs metric_mapping"),
            ("q:\n  query: SELECT 1\n  primary: maybe\n  metrics: []\n", "query q: field primary must be true or false"),
            ("q:\n  query: SELECT 1\n  metrics:\n    - bad-name:\n        usage: GAUGE\n", "column bad-name does not make a valid metric name"),
            ("- just\n- a list\n", "expected a map of query names"),
            ("q: [unclosed", "not valid YAML"),
        ]
        for (text, message) in cases {
            #expect(throws: MonitoringQueryParser.ParseError.self) { try MonitoringQueryParser.parse(text, source: "configmap c key k") }
            do {
                _ = try MonitoringQueryParser.parse(text, source: "configmap c key k")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }

    @Test func laterSourcesReplaceQueriesOfTheSameName() throws {
        var set = MonitoringQuerySet()
        set.merge(try MonitoringQueryParser.parse(Self.customQueries, source: "a"))
        let replaced = set.merge(try MonitoringQueryParser.parse("latency:\n  query: SELECT 2\n  metrics: []\n", source: "b"))
        #expect(replaced == ["latency"])
        #expect(set.queries.map(\.key) == ["pg_example", "latency"])
        #expect(set.queries[1].query == "SELECT 2")
    }

    @Test func rowsBecomeLabelledMetrics() throws {
        let query = try MonitoringQueryParser.parse(Self.customQueries, source: "s")[0]
        let rows = try [
            JSONText.parse(#"{"datname":"app","state":"up","n":42,"flag":true,"duration":"1m30s"}"#),
            JSONText.parse(#"{"datname":"xdb","state":"unknown","n":null,"flag":false,"duration":"-1"}"#),
        ]
        let families = try QueryMetricsMapper.families(for: query, rows: rows)
        let byName = Dictionary(uniqueKeysWithValues: families.map { ($0.name, $0) })
        #expect(byName["cnpg_pg_example_state"]?.samples == [.init(labels: [.init("datname", "app")], value: 1)], "unmapped text is skipped")
        #expect(byName["cnpg_pg_example_n"]?.kind == .counter)
        #expect(byName["cnpg_pg_example_n"]?.samples.map(\.value).last?.isNaN == true, "NULL is NaN")
        #expect(byName["cnpg_pg_example_flag"]?.samples.map(\.value) == [1, 0])
        #expect(byName["cnpg_pg_example_duration_milliseconds"]?.samples == [.init(labels: [.init("datname", "app")], value: 90_000)])
        #expect(byName["cnpg_pg_example_datname"] == nil, "labels are not metrics")
    }

    @Test func histogramsAndColumnMismatches() throws {
        let query = try MonitoringQueryParser.parse(Self.customQueries, source: "s")[1]
        let row = try JSONText.parse(#"{"seconds":[0.1,1],"seconds_bucket":[3,5],"seconds_sum":2.5,"seconds_count":6}"#)
        let family = try #require(try QueryMetricsMapper.families(for: query, rows: [row]).first)
        #expect(family.kind == .histogram)
        #expect(
            MetricsText.render([family]) == """
                # HELP cnpg_request_seconds Latency
                # TYPE cnpg_request_seconds histogram
                cnpg_request_seconds_bucket{le="0.1"} 3
                cnpg_request_seconds_bucket{le="1"} 5
                cnpg_request_seconds_bucket{le="+Inf"} 6
                cnpg_request_seconds_sum 2.5
                cnpg_request_seconds_count 6

                """)
        let wrong = try JSONText.parse(#"{"seconds":[0.1],"other":1}"#)
        #expect(throws: QueryMetricsMapper.MappingError.self) { try QueryMetricsMapper.families(for: query, rows: [wrong]) }
    }

    @Test func versionConstraintsAndDatabaseGlobs() throws {
        #expect(QueryTargeting.version([15, 14], satisfies: "<17.0.0"))
        #expect(!QueryTargeting.version([17, 2], satisfies: "<17.0.0"))
        #expect(QueryTargeting.version([17, 0], satisfies: ">=17.0.0"))
        #expect(QueryTargeting.version([15, 1], satisfies: ">=15.0.0 <17.0.0"))
        #expect(QueryTargeting.version([12, 1], satisfies: "<13 || >=17"))
        #expect(!QueryTargeting.version([15, 1], satisfies: "<13 || >=17"))
        #expect(!QueryTargeting.version([15, 1], satisfies: "sometimes"), "an unreadable constraint never matches")
        let query = try MonitoringQueryParser.parse(Self.customQueries, source: "s")[0]
        #expect(QueryTargeting.databases(for: query, applicationDatabase: "app", connectable: ["app", "postgres", "x1", "xy"]) == ["app", "x1", "xy"])
        #expect(QueryTargeting.glob("[a-c]?d*", matches: "bxd123"))
        #expect(!QueryTargeting.glob("[!a-c]*", matches: "b"))
        #expect(
            QueryTargeting.databases(for: DefaultMonitoringQueries.collector, applicationDatabase: "app", connectable: ["app", "postgres"])
                == ["app", "postgres"])
    }

    @Test func exposition() {
        let family = MetricFamily(
            name: "cnpg_x", help: "a \\ b\nc", kind: .gauge,
            samples: [
                .init(labels: [.init("l", "q\"uo\\te\n")], value: .nan),
                .init(labels: [.init("l", "inf")], value: .infinity),
                .init(labels: [.init("l", "frac")], value: 0.25),
            ])
        #expect(
            MetricsText.render([family, MetricFamily(name: "cnpg_empty", help: "h", kind: .gauge)]) == """
                # HELP cnpg_x a \\\\ b\\nc
                # TYPE cnpg_x gauge
                cnpg_x{l="q\\"uo\\\\te\\n"} NaN
                cnpg_x{l="inf"} +Inf
                cnpg_x{l="frac"} 0.25

                """)
    }

    @Test func theDefaultQueriesParseAndKeepCNPGsNames() throws {
        let queries = try MonitoringQueryParser.parse(DefaultMonitoringQueries.yaml, source: "default")
        #expect(
            queries.map(\.key) == [
                "backends", "backends_waiting", "pg_database", "pg_postmaster", "pg_replication", "pg_replication_slots",
                "pg_stat_archiver", "pg_stat_bgwriter", "pg_stat_bgwriter_17", "pg_stat_checkpointer",
                "pg_stat_database", "pg_stat_replication", "pg_settings", "pg_extensions",
            ])
        let names = queries.flatMap { query in query.columns.filter { $0.usage != .label }.map { QueryMetricsMapper.metricName(query, $0) } }
        for expected in [
            "cnpg_backends_total", "cnpg_pg_database_size_bytes", "cnpg_pg_replication_lag", "cnpg_pg_stat_archiver_archived_count",
            "cnpg_pg_stat_bgwriter_buffers_alloc", "cnpg_pg_stat_database_xact_commit", "cnpg_pg_settings_setting",
            "cnpg_pg_extensions_update_available", "cnpg_pg_stat_replication_replay_lag_seconds",
        ] {
            #expect(names.contains(expected), "\(expected)")
        }
        #expect(queries.first { $0.key == "pg_stat_replication" }?.primaryOnly == true)
        #expect(queries.first { $0.key == "pg_stat_archiver" }?.predicateQuery != nil)
    }

    @Test func collectorMetricsPassPromtool() throws {
        var cluster = try ObjectCodec.decode(Cluster.self, from: clusterDocument("instances: 3\nminSyncReplicas: 1\nmaxSyncReplicas: 1\nstorage:\n  size: 1Gi"))
        cluster.status = ClusterStatus()
        cluster.status?.readyInstances = 3
        cluster.status?.phase = "Waiting for user action"
        var snapshot = CollectorMetrics.Snapshot(clusterName: "cluster-example")
        snapshot.cluster = cluster
        snapshot.up = true
        snapshot.isPrimary = true
        snapshot.serverVersion = "15.14 (Debian 15.14-0+deb12u1)"
        snapshot.synchronousStandbyNames = "ANY 1 (\"cluster-example-2\",\"cluster-example-3\")"
        snapshot.walSegments = (3, 3 * 16_777_216)
        snapshot.walSettings = .init(segmentSize: 16_777_216, minSize: 80 * 1_048_576, maxSize: 1024 * 1_048_576, keepSize: 0, maxSlotKeepSize: nil)
        snapshot.archiveStatus = (1, 4)
        snapshot.walStatistics = ["wal_records": 10, "wal_bytes": 2048]
        snapshot.walStatisticsReset = "2026-11-30 10:00:00+00"
        var bookkeeping = CollectorMetrics.Bookkeeping()
        bookkeeping.collections = 2
        bookkeeping.errors["Collect.PGWALStat"] = 1
        bookkeeping.durations["Collect.up"] = 0.002
        let text = MetricsText.render(CollectorMetrics.families(snapshot, bookkeeping))
        #expect(text.contains("cnpg_collector_postgres_version{full=\"15.14 (Debian 15.14-0+deb12u1)\",cluster=\"cluster-example\"} 15.14"))
        #expect(text.contains("cnpg_collector_sync_replicas{value=\"observed\"} 1"))
        #expect(text.contains("cnpg_collector_sync_replicas{value=\"expected\"} 1"))
        #expect(text.contains("cnpg_collector_pg_wal{value=\"min\"} 5"))
        #expect(text.contains("cnpg_collector_pg_wal{value=\"slots_max\"} NaN"))
        #expect(text.contains("cnpg_collector_manual_switchover_required 1"))
        #expect(text.contains("cnpg_collector_nodes_used -1"))
        guard let promtool = ExternalTool.find("promtool") else { throw TestFailure("promtool is not installed") }
        let check = try ExternalTool.run(promtool, ["check", "metrics"], stdin: text)
        #expect(check.status == 0, "\(check.output)\(check.error)")
        #expect(CollectorMetrics.observedSyncReplicas("FIRST 2 (a, b)") == 2)
        #expect(CollectorMetrics.observedSyncReplicas("") == 0)
        #expect(CollectorMetrics.observedSyncReplicas("a") == 1)
        #expect(MetricsText.render(CollectorMetrics.fenced(bookkeeping)).contains("cnpg_collector_fencing_on 1"))
    }
}

/// docs/monitoring.md lists every built-in metric the code exports and every default query.
@Suite struct MonitoringDocumentationTests {
    @Test func everyMetricAndQueryIsDocumented() throws {
        let page = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("docs/monitoring.md"), encoding: .utf8)
        var snapshot = CollectorMetrics.Snapshot(clusterName: "c")
        snapshot.cluster = try ObjectCodec.decode(Cluster.self, from: clusterDocument("instances: 1\nstorage:\n  size: 1Gi"))
        snapshot.serverVersion = "15.1"
        snapshot.walSegments = (1, 1)
        snapshot.walSettings = .init(segmentSize: 1, minSize: 1, maxSize: 1, keepSize: 1, maxSlotKeepSize: nil)
        snapshot.archiveStatus = (0, 0)
        snapshot.walStatistics = Dictionary(
            uniqueKeysWithValues: [
                "wal_records", "wal_fpi", "wal_bytes", "wal_buffers_full", "wal_write",
                "wal_sync", "wal_write_time", "wal_sync_time",
            ].map { ($0, 1.0) })
        var bookkeeping = CollectorMetrics.Bookkeeping()
        bookkeeping.errors["Collect.up"] = 1
        bookkeeping.durations["Collect.up"] = 1
        let names = CollectorMetrics.families(snapshot, bookkeeping).map(\.name) + ["cnpg_collector_lo_pages"]
        for name in names { #expect(page.contains("`\(name)`"), "\(name) is not in docs/monitoring.md") }
        for query in try MonitoringQueryParser.parse(DefaultMonitoringQueries.yaml, source: "default") {
            #expect(page.contains("| `\(query.key)` |"), "default query \(query.key) is not in docs/monitoring.md")
        }
    }

    @Test("the sample alerts pass promtool, fire on the series they describe, and use only exported metrics")
    func sampleAlerts() throws {
        guard let promtool = ExternalTool.find("promtool") else { throw TestFailure("promtool is not installed") }
        let rules = TestPaths.repositoryRoot.appendingPathComponent("docs/examples/alerts.yaml")
        let check = try ExternalTool.run(promtool, ["check", "rules", rules.path])
        #expect(check.status == 0, "\(check.output) \(check.error)")
        // The metrics the alerts use: the collector's, the default queries' and the operator's.
        var exported = Set(["cnpg_collector_up", "cnpg_collector_sync_replicas", "cnpg_operator_cluster_healthy"])
        for query in try MonitoringQueryParser.parse(DefaultMonitoringQueries.yaml, source: "default") {
            for column in query.columns where column.usage != .label && column.usage != .discard {
                exported.insert("cnpg_\(query.name ?? query.key)_\(column.name)")
            }
        }
        let text = try String(contentsOf: rules, encoding: .utf8)
        let used = Set(text.matches(of: /cnpg_[a-z0-9_]+/).map { String($0.output) })
        #expect(used.subtracting(exported).isEmpty, "alerts use metrics nobody exports: \(used.subtracting(exported).sorted())")
        let scenarios = """
            rule_files: [\(rules.path)]
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  - series: 'cnpg_collector_up{pod="pg-1",cluster="pg"}'
                    values: '1 0 0 0'
                  - series: 'cnpg_operator_cluster_healthy{namespace="db",name="pg"}'
                    values: '0x15'
                  - series: 'cnpg_pg_replication_lag{pod="pg-2"}'
                    values: '400x10'
                  - series: 'cnpg_pg_replication_in_recovery{pod="pg-2"}'
                    values: '1x10'
                  - series: 'cnpg_pg_replication_lag{pod="pg-1"}'
                    values: '400x10'
                  - series: 'cnpg_pg_replication_in_recovery{pod="pg-1"}'
                    values: '0x10'
                  - series: 'cnpg_collector_sync_replicas{pod="pg-1",value="observed"}'
                    values: '0x10'
                  - series: 'cnpg_collector_sync_replicas{pod="pg-1",value="expected"}'
                    values: '1x10'
                  - series: 'cnpg_backends_max_tx_duration_seconds{pod="pg-1",datname="app",usename="app",application_name="psql",state="idle in transaction"}'
                    values: '700x10'
                  - series: 'cnpg_pg_database_xid_age{pod="pg-1",datname="app"}'
                    values: '1500000000x15'
                alert_rule_test:
                  - {eval_time: 3m, alertname: CNPGInstanceDown, exp_alerts: [{exp_labels: {severity: critical, pod: pg-1, cluster: pg},
                     exp_annotations: {summary: "PostgreSQL in pg-1 does not answer its instance manager"}}]}
                  - {eval_time: 12m, alertname: CNPGClusterNotHealthy, exp_alerts: [{exp_labels: {severity: warning, namespace: db, name: pg},
                     exp_annotations: {summary: "Cluster db/pg has not been healthy for 10 minutes"}}]}
                  - {eval_time: 6m, alertname: CNPGReplicaLagging, exp_alerts: [{exp_labels: {severity: warning, pod: pg-2},
                     exp_annotations: {summary: "Replica pg-2 replays WAL more than 5 minutes behind"}}]}
                  - {eval_time: 6m, alertname: CNPGSynchronousStandbysMissing, exp_alerts: [{exp_labels: {severity: critical, pod: pg-1},
                     exp_annotations: {summary: "pg-1 has fewer synchronous standbys than the Cluster asks for: commits may wait"}}]}
                  - {eval_time: 2m, alertname: CNPGLongRunningTransaction, exp_alerts: [{exp_labels: {severity: warning, pod: pg-1, datname: app},
                     exp_annotations: {summary: "A transaction in app on pg-1 has run for more than 10 minutes"}}]}
                  - {eval_time: 12m, alertname: CNPGTransactionIDWraparoundApproaching, exp_alerts: [{exp_labels: {severity: critical, pod: pg-1, datname: app},
                     exp_annotations: {summary: "Database app on pg-1 needs a VACUUM FREEZE (XID age over one billion)"}}]}
                  - {eval_time: 0m, alertname: CNPGInstanceDown, exp_alerts: []}
            """
        let file = try BuiltProducts.temporaryFile(scenarios)
        defer { try? FileManager.default.removeItem(at: file) }
        let tested = try ExternalTool.run(promtool, ["test", "rules", file.path])
        #expect(tested.status == 0, "\(tested.output) \(tested.error)")
    }
}
