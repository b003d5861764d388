import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The instance manager with real PostgreSQL, its Cluster and Secrets read from the sandbox API
/// server with the cluster's own service-account token: init + run a primary, join + run a
/// streaming replica over TLS 1.3 with certificate authentication, passwords and the superuser
/// toggle, reload, clean shutdown on SIGTERM, promotion, pg_rewind rejoin of the former primary and
/// a switchover back, with no committed row lost.
@Suite(.serialized) struct PrimaryAndReplicaTests {
    @Test func primaryAndReplicaLifecycle() async throws {
        let harness = try await InstanceHarness()
        do {
            try await lifecycle(harness)
        } catch {
            Issue.record("\(error)\n\(harness.recentLogs)")
        }
        await harness.shutdown()
    }

    /// The exporter on both instances (over TLS 1.3): CNPG's collector metrics, the default
    /// queries, custom queries from a ConfigMap (reloaded when it changes) run as
    /// cnpg_metrics_exporter, primary-only queries only on the primary; promtool parses it all.
    func checkMetrics(_ harness: InstanceHarness) async throws {
        let exporterLogin = "cnpg_who_connected{login=\"cnpg_metrics_exporter\"} 1"
        let bothServe = await harness.eventually(30) {
            (try? harness.metrics(1).body.contains(exporterLogin)) == true && (try? harness.metrics(2).body.contains(exporterLogin)) == true
        }
        #expect(bothServe, "\(harness.recentLogs)")
        let primary = try harness.metrics(1).body
        let replica = try harness.metrics(2).body
        for line in [
            "cnpg_collector_up{cluster=\"cluster-example\"} 1", "cnpg_collector_postgres_version{full=\"",
            "cnpg_collector_pg_wal{value=\"count\"}", "cnpg_collector_sync_replicas{value=\"observed\"} 0",
            "cnpg_collector_lo_pages{datname=\"postgres\"} ", "cnpg_collector_fencing_on 0",
            "cnpg_pg_replication_streaming_replicas 1", "cnpg_pg_replication_in_recovery 0",
            "cnpg_pg_database_size_bytes{datname=\"app\"} ", "cnpg_who_standby{login=\"cnpg_metrics_exporter\"} 0",
            "cnpg_rows_on_primary_relations{datname=\"app\"} ",
            "cnpg_pg_stat_replication_replay_diff_bytes{usename=\"streaming_replica\",application_name=\"cluster-example-2\"",
        ] {
            #expect(primary.contains(line), "primary: \(line)")
        }
        for line in [
            "cnpg_pg_replication_in_recovery 1", "cnpg_pg_replication_is_wal_receiver_up 1",
            "cnpg_who_standby{login=\"cnpg_metrics_exporter\"} 1",
        ] {
            #expect(replica.contains(line), "replica: \(line)")
        }
        #expect(!replica.contains("cnpg_rows_on_primary_relations"), "primary-only queries skip replicas")
        #expect(!replica.contains("cnpg_collector_sync_replicas{value=\"observed\"}"))

        // promtool parses it all. Its lint findings may only concern names the queries fix (CNPG's
        // default names, kept for its dashboards, and the user's); the exporter's own are clean.
        guard let promtool = ExternalTool.find("promtool") else { throw TestFailure("promtool is not installed") }
        var queryMetricNames = Set<String>()
        for text in [DefaultMonitoringQueries.yaml, InstanceHarness.customQueries] {
            for query in try MonitoringQueryParser.parse(text, source: "test") {
                for column in query.columns { queryMetricNames.insert(QueryMetricsMapper.metricName(query, column)) }
            }
        }
        for text in [primary, replica] {
            let check = try ExternalTool.run(promtool, ["check", "metrics"], stdin: text)
            #expect(check.status == 0 || check.status == 3, "\(check.output)\(check.error)")
            for problem in (check.output + check.error).split(separator: "\n") where !problem.isEmpty {
                let metric = String(problem.prefix { $0 != " " })
                #expect(queryMetricNames.contains(metric), "\(problem)")
            }
        }
        let tls12 = try harness.https(1, port: harness.metricsPort, "/metrics", tls: ["--tlsv1.2", "--tls-max", "1.2"])
        #expect(tls12.status == 0, "the exporter refuses TLS 1.2")

        // A changed ConfigMap applies without a restart; a failing query is counted, the others stay.
        try await harness.setConfigMap(
            "custom-queries",
            [
                "custom": InstanceHarness.customQueries + """

                    later:
                      query: "SELECT 7 AS seven"
                      metrics:
                        - seven:
                            usage: "GAUGE"
                            description: "Seven"
                    broken:
                      query: "SELECT x FROM no_such_table"
                      metrics:
                        - x:
                            usage: "GAUGE"
                            description: "Never"
                    """
            ])
        let reloaded = try await harness.eventually(30) {
            let text = try harness.metrics(1).body
            return text.contains("cnpg_later_seven 7") && text.contains("cnpg_errors_total{errorUserQueries=\"broken\"}")
                && text.contains("cnpg_last_error 1") && text.contains(exporterLogin)
        }
        #expect(reloaded, "\(harness.recentLogs)")
    }

    /// spec.managed.roles on the primary: created with its attributes, comment, membership and the
    /// Secret's password; a new password applies; an impossible role is reported; `ensure: absent` drops.
    func checkManagedRoles(_ harness: InstanceHarness) async throws {
        func managedStatus() async throws -> ManagedRoles? {
            try await harness.admin.get(Cluster.self, .clusters, namespace: harness.namespace, name: harness.clusterName).status?.managedRolesStatus
        }
        func login(_ password: String) throws -> Bool {
            try harness.psql(1, "dbname=app user=dante password=\(password) sslmode=require", "SELECT current_user").output == "dante\n"
        }
        let first = try #require(harness.secrets.first { $0.key.hasPrefix("dante-password") }?.value["password"])
        let created = try await harness.eventually(30) { try login(first) }
        #expect(created, "\(harness.recentLogs)")
        let attributes = try harness.localSQL(
            1,
            """
            SELECT rolconnlimit, pg_has_role('dante', 'pg_monitor', 'MEMBER'), shobj_description(oid, 'pg_authid')
            FROM pg_authid WHERE rolname = 'dante'
            """)
        #expect(attributes.output == "4|t|a managed role\n", "\(attributes.error)")
        let reported = try await harness.eventually(30) {
            let status = try await managedStatus()
            return status?.byStatus?["reconciled"] == ["dante"] && status?.passwordStatus?["dante"]?.resourceVersion != nil
                && status?.cannotReconcile?["orphan"]?.first?.contains("no_such_role") == true
                && status?.byStatus?["not-managed"]?.contains("app") == true
                && status?.byStatus?["reserved"]?.contains("streaming_replica") == true
        }
        let reportedStatus = try await managedStatus()
        #expect(reported, "\(String(describing: reportedStatus))")

        let second = PasswordGenerator.generate()
        try await harness.setManagedRolePassword(second)
        let rotated = try await harness.eventually(30) { try login(second) }
        #expect(rotated, "\(harness.recentLogs)")
        #expect(try !login(first), "the old password no longer works")

        _ = try await harness.admin.patch(
            .clusters, namespace: harness.namespace, name: harness.clusterName,
            .object([
                (
                    "spec",
                    .object([
                        ("managed", .object([("roles", .array([.object([("name", .string("dante")), ("ensure", .string("absent"))])]))]))
                    ])
                )
            ]))
        let dropped = try await harness.eventually(30) {
            let status = try await managedStatus()
            return try harness.localSQL(1, "SELECT count(*) FROM pg_roles WHERE rolname = 'dante'").output == "0\n"
                && status?.byStatus?["reconciled"] == nil && status?.cannotReconcile == nil && status?.passwordStatus == nil
        }
        let droppedStatus = try await managedStatus()
        #expect(dropped, "\(String(describing: droppedStatus)) \(harness.recentLogs)")
    }

    /// `/pg/controldata` answers only the operator: a client certificate whose public key has the
    /// fingerprint in `status.operatorCertificateFingerprint` (401 without one, 503 otherwise).
    func checkOperatorOnlyEndpoints(_ harness: InstanceHarness) async throws {
        let operatorPair = try OperatorClientCertificate.generate(now: Date())
        let strangerPair = try OperatorClientCertificate.generate(commonName: "stranger", now: Date())
        func files(_ pair: TLSKeyPair, _ name: String) throws -> [String] {
            ["--cert", try harness.write("\(name).crt", pair.certificatePEM), "--key", try harness.write("\(name).key", pair.privateKeyPEM)]
        }
        let asOperator = try files(operatorPair, "operator")
        let asStranger = try files(strangerPair, "stranger")
        let anonymous = try harness.https(1, port: harness.statusPort, "/pg/controldata")
        #expect(anonymous.status == 401 && anonymous.body == "client certificate required", "\(anonymous)")
        let unregistered = try harness.https(1, port: harness.statusPort, "/pg/controldata", tls: ["--tlsv1.3"] + asOperator)
        #expect(unregistered.status == 503 && unregistered.body == "operator certificate not registered", "\(unregistered)")

        try await harness.setStatus([("operatorCertificateFingerprint", .string(try OperatorClientCertificate.fingerprint(of: operatorPair.certificate)))])
        var answer = (status: Int32(0), body: "")
        let accepted = try await harness.eventually(30) {
            answer = try harness.https(1, port: harness.statusPort, "/pg/controldata", tls: ["--tlsv1.3"] + asOperator)
            return answer.status == 200
        }
        #expect(accepted, "\(answer)")
        let controldata = try JSONText.parse(answer.body)["data"]?.stringValue ?? ""
        #expect(controldata.contains("Database cluster state:               in production"), "\(answer.body)")
        let stranger = try harness.https(1, port: harness.statusPort, "/pg/controldata", tls: ["--tlsv1.3"] + asStranger)
        #expect(stranger.status == 503 && stranger.body == "operator certificate not recognized", "\(stranger)")
        #expect(try harness.statusAPI(1, "/pg/status").status == 200, "the status stays open to any client")
        try await checkOnlineBackup(harness, asOperator: asOperator)
    }

    /// `/pg/mode/backup`: a non-exclusive backup held open on its own connection, with the
    /// temporary slot named after the backup, stopped by name, the label file returned.
    func checkOnlineBackup(_ harness: InstanceHarness, asOperator: [String]) async throws {
        func call(_ method: String, _ body: String? = nil) throws -> (status: Int32, envelope: JSONValue) {
            let answer = try harness.https(1, port: harness.statusPort, "/pg/mode/backup", tls: ["--tlsv1.3"] + asOperator, method: method, body: body)
            return (answer.status, (try? JSONText.parse(answer.body)) ?? .string(answer.body))
        }
        let anonymous = try harness.https(1, port: harness.statusPort, "/pg/mode/backup", method: "POST", body: #"{"backupName":"b"}"#)
        #expect(anonymous.status == 401, "\(anonymous)")
        let idle = try call("GET")
        #expect(idle.status == 200 && idle.envelope["data"] == nil && idle.envelope["error"] == nil, "\(idle)")
        let garbled = try call("POST", "{not json")
        #expect(garbled.status == 400 && garbled.envelope["error"]?["code"]?.stringValue == "FAILED_TO_PARSE_REQUEST", "\(garbled)")
        let injected = try call("POST", #"{"backupName":"x'); DROP TABLE t; --"}"#)
        #expect(injected.status == 400, "a name that is not a Kubernetes name is refused: \(injected)")
        let nothingToStop = try call("PUT", #"{"backupName":"nightly-1"}"#)
        #expect(nothingToStop.status == 400 && nothingToStop.envelope["error"]?["code"]?.stringValue == "NO_ONGOING_BACKUP", "\(nothingToStop)")

        // The Backup exists, as when the operator calls: the manager's sweeper (every minute) ends a
        // session whose Backup is gone or over.
        let backup = JSONValue.object([
            ("apiVersion", .string("postgresql.cnpg.io/v1")), ("kind", .string("Backup")),
            ("metadata", .object([("name", .string("nightly-1")), ("namespace", .string(harness.namespace))])),
            ("spec", .object([("cluster", .object([("name", .string(harness.clusterName))])), ("method", .string("volumeSnapshot"))])),
        ])
        _ = try await harness.admin.create(.backups, namespace: harness.namespace, backup)
        let started = try call("POST", #"{"backupName":"nightly-1","immediateCheckpoint":true,"waitForArchive":true}"#)
        #expect(started.status == 200 && started.envelope["data"]?["backupName"]?.stringValue == "nightly-1", "\(started)")
        var state = started
        let running = try await harness.eventually(30) {
            state = try call("GET")
            return state.envelope["data"]?["phase"]?.stringValue == "started"
        }
        #expect(running, "\(state) \(harness.recentLogs)")
        let slot = try harness.localSQL(1, "SELECT temporary, restart_lsn IS NOT NULL FROM pg_replication_slots WHERE slot_name = 'nightly_1'").output
        #expect(slot == "t|t\n", "the backup's temporary slot holds its WAL: \(slot)")
        let inBackup = try harness.localSQL(
            1, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'idle' AND query LIKE '%pg_backup_start%'"
        ).output
        #expect(inBackup == "1\n", "one session holds the backup open: \(inBackup)")
        let wrongName = try call("PUT", #"{"backupName":"nightly-2"}"#)
        #expect(wrongName.status == 422 && wrongName.envelope["error"]?["code"]?.stringValue == "NOT_CURRENT_RUNNING_BACKUP", "\(wrongName)")

        let stopping = try call("PUT", #"{"backupName":"nightly-1"}"#)
        #expect(stopping.status == 200, "\(stopping)")
        let completed = try await harness.eventually(30) {
            state = try call("GET")
            return state.envelope["data"]?["phase"]?.stringValue == "completed"
        }
        #expect(completed, "\(state) \(harness.recentLogs)")
        let label = state.envelope["data"]?["labelFile"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(label.contains("LABEL: nightly-1") && label.contains("START WAL LOCATION:"), "\(label)")
        let begin = state.envelope["data"]?["beginLSN"]?.stringValue.flatMap(LSN.init)
        let end = state.envelope["data"]?["endLSN"]?.stringValue.flatMap(LSN.init)
        #expect(begin != nil && end != nil && end! >= begin!, "\(state)")
        let slotGone = try await harness.eventually(10) {
            try harness.localSQL(1, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'nightly_1'").output == "0\n"
        }
        #expect(slotGone, "the temporary slot ends with the session")
    }

    func lifecycle(_ harness: InstanceHarness) async throws {
        let cluster = harness.clusterName
        let primary = "\(cluster)-1"
        let replica = "\(cluster)-2"
        let runArguments = [
            "run", "--status-port-tls", "--status-port", String(harness.statusPort),
            "--metrics-port-tls", "--metrics-port", String(harness.metricsPort), "--resync-seconds", "2",
        ]

        // init: a new primary with the application database and owner.
        let initialised = try await harness.manager(
            ["init", "--app-db-name", "app", "--app-user", "app"], serial: 1,
            name: "\(primary)-initdb", wait: true)
        #expect(initialised == .exited(0), "\(harness.recentLogs)")
        try await harness.manager(runArguments, serial: 1, name: primary, wait: false)
        let primaryReady = try await harness.eventually(60) { try harness.statusAPI(1, "/readyz").status == 200 }
        #expect(primaryReady, "\(harness.recentLogs)")
        let status = try harness.statusAPI(1, "/pg/status")
        let reported = try ObjectCodec.decode(InstanceStatus.self, from: try JSONText.parse(status.body))
        #expect(reported.isPrimary)
        #expect(!reported.systemID.isEmpty)
        #expect(reported.currentLsn != nil)
        #expect(reported.pod.metadata.name == primary)

        // The app owner logs in over TLS with the secret's password (scram-sha-256); postgres cannot.
        let appPassword = try #require(harness.secrets["\(cluster)-app"]?["password"])
        let appLogin = try await harness.eventually(30) {
            try harness.psql(1, "dbname=app user=app password=\(appPassword) sslmode=require", "SELECT current_user").output == "app\n"
        }
        #expect(appLogin, "\(harness.recentLogs)")
        let tlsVersion = try harness.psql(
            1, "dbname=app user=app password=\(appPassword) sslmode=require",
            "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        #expect(tlsVersion.output == "TLSv1.3\n", "\(tlsVersion.error)")
        let plaintext = try harness.psql(1, "dbname=app user=app password=\(appPassword) sslmode=disable", "SELECT 1")
        #expect(plaintext.status != 0, "a connection without TLS must be refused")
        let superuser = try harness.psql(1, "dbname=postgres user=postgres password=anything sslmode=require", "SELECT 1")
        #expect(superuser.status != 0, "superuser access is off by default")
        let tls12 = try OpenSSL.run(["s_client", "-connect", "\(harness.address(1)):\(harness.port)", "-starttls", "postgres", "-tls1_2"], stdin: "")
        #expect(tls12.status != 0, "a TLS 1.2 client must be refused")
        let replicationByPassword = try harness.psql(
            1, "dbname=postgres user=streaming_replica password=x sslmode=require replication=database",
            "IDENTIFY_SYSTEM")
        #expect(replicationByPassword.status != 0, "replication needs the client certificate")

        // join + run: a replica cloned over TLS with the replication certificate, streaming.
        let joined = try await harness.manager(["join", "--parent-node", "\(cluster)-rw"], serial: 2, name: "\(replica)-join", wait: true)
        #expect(joined == .exited(0), "\(harness.recentLogs)")
        try await harness.manager(runArguments, serial: 2, name: replica, wait: false)
        let streaming = try await harness.eventually(60) {
            let body = try harness.statusAPI(1, "/pg/status").body
            guard let status = try? ObjectCodec.decode(InstanceStatus.self, from: try JSONText.parse(body)) else { return false }
            return status.replicationInfo?.contains { $0.applicationName == replica && $0.state == "streaming" } ?? false
        }
        #expect(streaming, "\(harness.recentLogs)")
        let replicaStatus = try ObjectCodec.decode(InstanceStatus.self, from: try JSONText.parse(try harness.statusAPI(2, "/pg/status").body))
        #expect(!replicaStatus.isPrimary)
        #expect(replicaStatus.isWalReceiverActive)
        #expect(replicaStatus.systemID == reported.systemID)
        let slot = try harness.localSQL(1, "SELECT active FROM pg_replication_slots WHERE slot_name = '_cnpg_cluster_example_2'")
        #expect(slot.output == "t\n", "\(slot.error)")

        _ = try harness.psql(
            1, "dbname=app user=app password=\(appPassword) sslmode=require", "CREATE TABLE rows (id int); INSERT INTO rows SELECT generate_series(1, 100)")
        let replicated = try await harness.eventually(30) {
            try harness.localSQL(2, "SELECT count(*) FROM rows", database: "app").output == "100\n"
        }
        #expect(replicated, "\(harness.recentLogs)")
        try await checkMetrics(harness)
        try await checkOperatorOnlyEndpoints(harness)
        try await fuzzStatusAPI(harness)

        // Superuser toggle: on with a secret, login works; off again, the password is removed.
        let superuserPassword = PasswordGenerator.generate()
        let secret = SecretBuilder.credentials(
            for: harness.cluster, name: "\(cluster)-superuser", userType: .superuser, username: "postgres",
            password: superuserPassword, database: "*", clusterDomain: "cluster.local")
        _ = try await harness.admin.create(.secrets, namespace: harness.namespace, ObjectCodec.encode(secret))
        _ = try await harness.admin.patch(
            .clusters, namespace: harness.namespace, name: cluster,
            .object([("spec", .object([("enableSuperuserAccess", .bool(true))]))]))
        let superuserOn = try await harness.eventually(30) {
            try harness.psql(1, "dbname=postgres user=postgres password=\(superuserPassword) sslmode=require", "SELECT 1").output == "1\n"
        }
        #expect(superuserOn, "\(harness.recentLogs)")
        _ = try await harness.admin.patch(
            .clusters, namespace: harness.namespace, name: cluster,
            .object([("spec", .object([("enableSuperuserAccess", .bool(false))]))]))
        let superuserOff = try await harness.eventually(30) {
            try harness.localSQL(1, "SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'postgres'").output == "t\n"
        }
        #expect(superuserOff, "\(harness.recentLogs)")
        try await checkManagedRoles(harness)

        // A parameter change reaches both instances by reload.
        _ = try await harness.admin.patch(
            .clusters, namespace: harness.namespace, name: cluster,
            .object([("spec", .object([("postgresql", .object([("parameters", .object([("work_mem", .string("7MB"))]))]))]))]))
        let reloaded = try await harness.eventually(30) {
            try harness.localSQL(1, "SHOW work_mem").output == "7MB\n" && harness.localSQL(2, "SHOW work_mem").output == "7MB\n"
        }
        #expect(reloaded, "\(harness.recentLogs)")

        // SIGTERM stops the primary cleanly (Smart→Fast) and the manager exits 0.
        let stopped = await harness.stop(primary)
        #expect(stopped == .exited(0), "\(harness.recentLogs)")
        #expect(!FileManager.default.fileExists(atPath: harness.dataDirectory(1) + "/postmaster.pid"))

        // The operator's failover choice: the replica promotes itself and records it. Its first
        // record is refused (the Role denies status patches for now): a later pass records it.
        let role = try await harness.admin.get(.roles, namespace: harness.namespace, name: cluster)
        let rules = role["rules"]?.arrayValue ?? []
        let statusReadOnly = rules.map { rule in
            rule["resources"] == .array([.string("clusters/status")]) ? rule.setting("verbs", to: .array([.string("get"), .string("watch")])) : rule
        }
        #expect(statusReadOnly != rules)
        _ = try await harness.admin.patch(.roles, namespace: harness.namespace, name: cluster, .object([("rules", .array(statusReadOnly))]))
        try await harness.setStatus([("targetPrimary", .string(replica))])
        let promoted = try await harness.eventually(60) {
            try harness.localSQL(2, "SELECT pg_is_in_recovery()").output == "f\n"
        }
        #expect(promoted, "\(harness.recentLogs)")
        try await Task.sleep(for: .seconds(3))
        #expect(
            try await harness.admin.get(Cluster.self, .clusters, namespace: harness.namespace, name: cluster).status?.currentPrimary == primary,
            "the record is refused while the Role denies it")
        _ = try await harness.admin.patch(.roles, namespace: harness.namespace, name: cluster, .object([("rules", .array(rules))]))
        let currentPrimary = try await harness.eventually(30) {
            let object = try await harness.admin.get(Cluster.self, .clusters, namespace: harness.namespace, name: cluster)
            return object.status?.currentPrimary == replica
        }
        #expect(currentPrimary)
        #expect(try harness.localSQL(2, "SELECT count(*) FROM rows", database: "app").output == "100\n", "no committed row lost")

        // The former primary comes back: pg_rewind onto the new timeline, then it streams from the new primary.
        try harness.pointReadWriteService(to: 2)
        try await harness.manager(runArguments, serial: 1, name: "\(primary)-rejoined", pod: primary, wait: false)
        let rejoined = try await harness.eventually(90) {
            let body = try harness.statusAPI(2, "/pg/status").body
            guard let status = try? ObjectCodec.decode(InstanceStatus.self, from: try JSONText.parse(body)) else { return false }
            return status.isPrimary && (status.replicationInfo?.contains { $0.applicationName == primary && $0.state == "streaming" } ?? false)
        }
        #expect(rejoined, "\(harness.recentLogs)")
        _ = try harness.psql(2, "dbname=app user=app password=\(appPassword) sslmode=require", "INSERT INTO rows SELECT generate_series(101, 150)")
        let followed = try await harness.eventually(30) {
            try harness.localSQL(1, "SELECT count(*) FROM rows", database: "app").output == "150\n"
        }
        #expect(followed, "\(harness.recentLogs)")

        // Switchover back: the running primary, no longer the target, stops and exits by itself; the replica promotes.
        try await harness.setStatus([("targetPrimary", .string(primary))])
        let oldPrimaryExit = await harness.exit(of: replica)
        #expect(oldPrimaryExit == .exited(0), "\(harness.recentLogs)")
        let switchedBack = try await harness.eventually(60) {
            try harness.localSQL(1, "SELECT pg_is_in_recovery()").output == "f\n"
        }
        #expect(switchedBack, "\(harness.recentLogs)")
        #expect(try harness.localSQL(1, "SELECT count(*) FROM rows", database: "app").output == "150\n", "no committed row lost")
        let rejoinedStopped = await harness.stop("\(primary)-rejoined")
        #expect(rejoinedStopped == .exited(0), "\(harness.recentLogs)")

        // Nothing secret reached the logs.
        let logs = harness.podLogs
        for (name, values) in harness.secrets {
            for (key, value) in values where ["password", "tls.key", "ca.key"].contains(key) && !value.isEmpty {
                #expect(!logs.contains(value), "\(name)/\(key) appears in the logs")
            }
        }
        #expect(!logs.contains(superuserPassword))
        #expect(!logs.contains("SCRAM-SHA-256$"))
    }
}
