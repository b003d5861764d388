import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The whole product on the sandbox with RBAC enforced: the operator (with only its ClusterRole)
/// turns CNPG's `cluster-example` into three PostgreSQL pods run by the kubelet, with streaming
/// replication over TLS, and fails over when the primary's processes are killed.
@Suite("Cluster lifecycle end to end", .serialized)
struct ClusterLifecycleTests {
    typealias Operator = OperatorProcess

    static func leaseHolder(_ sandbox: RunningSandbox) -> String {
        sandbox.jsonpath("lease/db9c8771.cnpg.io", ".spec.holderIdentity", namespace: "cnpg-system")
    }

    /// A client inserting into a new table `writes` through `host` every 20 ms, once it has written.
    static func startWrites(_ sandbox: RunningSandbox, binaries: URL, host: String, password: String) async throws -> ContinuousWriter {
        let writer = try ClusterWrites.start(sandbox, binaries: binaries, host: host, password: password, table: "writes")
        let writing = await Eventually.check(within: 30) { writer.acknowledgedCount >= 25 }
        #expect(writing, "the writer could not write")
        return writer
    }

    /// Waits until the writer has written again after `instant`, stops it, checks that every
    /// acknowledged insert is in `writes`, and prints the scenario's summary line.
    static func finishWrites(
        _ writer: ContinuousWriter, since instant: ContinuousClock.Instant, scenario: String,
        binaries: URL, host: String, password: String
    ) async throws {
        let outcome = try await ClusterWrites.finish(
            writer, since: instant, binaries: binaries, host: host, password: password,
            table: "writes", resumeWithin: 60)
        #expect(outcome.resumed, "writes through -rw should resume: \(outcome.report.summary)")
        #expect(
            outcome.readBack.status == 0 && outcome.missing.isEmpty,
            "acknowledged inserts lost: \(outcome.missing.prefix(20)) \(outcome.readBack.error)")
        print("e2e \(scenario); \(outcome.report.summary) (the write-unavailability window); \(outcome.missing.count) acknowledged inserts missing")
    }

    @Test("cluster-example becomes three healthy instances; killing the primary fails over without losing rows")
    func bootstrapAndFailover() async throws {
        let binaries = try PostgresServer.findBinaries()
        let running = try await OperatorOnSandbox.start()
        defer { running.tearDown() }
        let (sandbox, controller) = (running.sandbox, running.controller)
        let operatorLog = controller.log

        let sample = BuiltProducts.samples.appendingPathComponent("cluster-example.yaml").path
        let applied = try sandbox.kubectl(["apply", "-f", sample])
        #expect(applied.status == 0, "\(applied.error)")
        let healthy = { () -> Bool in
            sandbox.jsonpath("cluster/cluster-example", ".status.readyInstances") == "3"
                && sandbox.jsonpath("cluster/cluster-example", ".status.phase") == "Cluster in healthy state"
        }
        let converged = await Eventually.check(within: 180, healthy)
        let log = (try? String(contentsOfFile: operatorLog, encoding: .utf8)) ?? ""
        try #require(converged, "status: \(sandbox.jsonpath("cluster/cluster-example", ".status")) operator: \(log.suffix(2000))")

        // Steady state costs reads only: several passes (every 2 s here) write nothing.
        let auditPath = sandbox.stateDirectory.appendingPathComponent("audit.jsonl").path
        let streamingBefore = await Eventually.check(within: 30) {
            sandbox.jsonpath("cluster/cluster-example", ".status.instancesStatus.healthy").contains("cluster-example-3")
        }
        #expect(streamingBefore)
        try await Task.sleep(for: .seconds(3))
        let linesBefore = try String(contentsOfFile: auditPath, encoding: .utf8).split(separator: "\n").count
        try await Task.sleep(for: .seconds(10))
        let steadyWrites = try String(contentsOfFile: auditPath, encoding: .utf8).split(separator: "\n").dropFirst(linesBefore).filter { line in
            line.contains("cnpg-system:cnpg-manager") && ["\"create\"", "\"update\"", "\"patch\"", "\"delete\""].contains { line.contains("\"verb\":\($0)") }
        }
        #expect(steadyWrites.isEmpty, "operator writes in steady state: \(steadyWrites.prefix(3).joined(separator: "\n"))")

        // The objects CNPG creates, with its names.
        for object in [
            "secret/cluster-example-ca", "secret/cluster-example-server", "secret/cluster-example-replication",
            "secret/cluster-example-app", "service/cluster-example-rw", "service/cluster-example-ro", "service/cluster-example-r",
            "serviceaccount/cluster-example", "role/cluster-example", "rolebinding/cluster-example",
            "poddisruptionbudget/cluster-example", "poddisruptionbudget/cluster-example-primary",
            "pvc/cluster-example-1", "pvc/cluster-example-2", "pvc/cluster-example-3", "configmap/cnpg-default-monitoring",
        ] {
            #expect(try sandbox.kubectl(["get", object]).status == 0, "\(object) is missing")
        }
        #expect(try sandbox.kubectl(["get", "secret", "cluster-example-superuser"]).status != 0, "superuser access is off by default")
        let fingerprint = sandbox.jsonpath("cluster/cluster-example", ".status.operatorCertificateFingerprint")
        #expect(fingerprint.count == 64 && fingerprint.allSatisfy(\.isHexDigit), "the operator publishes its client certificate's fingerprint: \(fingerprint)")
        let primary = sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary")
        #expect(primary == "cluster-example-1")
        let roles = try sandbox.kubectl([
            "get", "pods", "-l", "cnpg.io/podRole=instance", "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.cnpg\\.io/instanceRole} {end}",
        ]).output
        #expect(roles.split(separator: " ").sorted() == ["cluster-example-1=primary", "cluster-example-2=replica", "cluster-example-3=replica"])

        let password = String(
            decoding: Data(base64Encoded: sandbox.jsonpath("secret/cluster-example-app", ".data.password")) ?? Data(),
            as: UTF8.self)
        let readWrite = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        let created = try PSQL.run(binaries, host: readWrite, password: password, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)")
        #expect(created.status == 0, "\(created.error)")

        // TLS 1.3 only on PostgreSQL and on the instance status API; scram-sha-256 for passwords.
        let primaryIP = sandbox.jsonpath("pod/\(primary)", ".status.podIP")

        // Each instance exports CNPG's metrics on 9187, with the default queries the operator copied.
        let curl = try #require(ExternalTool.find("curl"))
        let exported = await Eventually.check(within: 60) {
            let text = (try? ExternalTool.run(curl, ["-sS", "--max-time", "5", "http://\(primaryIP):9187/metrics"]).output) ?? ""
            return text.contains("cnpg_collector_up{cluster=\"cluster-example\"} 1") && text.contains("cnpg_pg_database_size_bytes{datname=\"app\"}")
                && text.contains("cnpg_pg_replication_streaming_replicas 2")
        }
        #expect(exported, "the primary's exporter serves the default queries")
        let caFile = try sandbox.directory.write("cluster-ca.crt", sandbox.secretValue("cluster-example-ca", #"ca\.crt"#))
        for (port, starttls) in [("5432", ["-starttls", "postgres"]), ("8000", [])] {
            let old = try OpenSSL.run(["s_client", "-connect", "\(primaryIP):\(port)", "-tls1_2"] + starttls, stdin: "")
            #expect(old.status != 0, "TLS 1.2 must be refused on \(port)")
            let current = try OpenSSL.run(["s_client", "-connect", "\(primaryIP):\(port)", "-tls1_3", "-CAfile", caFile] + starttls, stdin: "")
            #expect(current.output.contains("Verify return code: 0 (ok)") && current.output.contains("TLSv1.3"), "port \(port): \(current.output.suffix(400))")
        }
        let plainStatus = try ExternalTool.run(curl, ["-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", "http://\(primaryIP):8000/pg/status"])
        #expect(plainStatus.status != 0 && plainStatus.output == "000", "the status API answers no plain HTTP: \(plainStatus.output) \(plainStatus.error)")
        #expect(
            try PSQL.run(binaries, host: readWrite, password: password, "SHOW password_encryption").output
                .trimmingCharacters(in: .whitespacesAndNewlines) == "scram-sha-256")
        let plaintext = try PSQL.run(binaries, host: readWrite, password: password, "SELECT 1", sslMode: "disable")
        #expect(plaintext.status != 0, "a connection without TLS is refused")
        let streaming = await Eventually.check(within: 30) {
            (try? PSQL.run(binaries, host: readWrite, password: password, "SELECT count(*) FROM pg_stat_replication").output)?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "2"
        }
        #expect(streaming, "two standbys stream from the primary")

        // Unplanned failover under load: a client inserts through -rw every 20 ms while every process
        // of the primary's container is killed. With quorum synchronous replication (ANY 1) no
        // acknowledged insert may be missing afterwards.
        let writer = try await Self.startWrites(sandbox, binaries: binaries, host: readWrite, password: password)
        let helper = sandbox.jsonpath("pod/\(primary)", ".status.containerStatuses[0].containerID").replacingOccurrences(of: "sandbox://", with: "")
        let helperPID = try #require(Int32(helper))
        let killedAt = ContinuousClock.now
        kill(helperPID, SIGKILL)
        let failedOver = await Eventually.check(within: 60) {
            let current = sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary")
            return !current.isEmpty && current != primary
        }
        #expect(failedOver, "status: \(sandbox.jsonpath("cluster/cluster-example", ".status"))")
        let newPrimary = sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary")
        try await Self.finishWrites(
            writer, since: killedAt, scenario: "failover: primary killed, \(newPrimary) promoted",
            binaries: binaries, host: readWrite, password: password)

        let written = await Eventually.check(within: 30) {
            (try? PSQL.run(binaries, host: readWrite, password: password, "INSERT INTO t VALUES (2)").status) == 0
        }
        #expect(written, "the -rw service should reach \(newPrimary)")
        let rows = try PSQL.run(binaries, host: readWrite, password: password, "SELECT count(*), bool_and(NOT pg_is_in_recovery()) FROM t")
        #expect(rows.output.trimmingCharacters(in: .whitespacesAndNewlines) == "2|t", "\(rows.output) \(rows.error)")
        // archive_command (the manager's wal-archive) succeeds: no WAL is held back by failed archiving.
        let archiving = await Eventually.check(within: 30) {
            (try? PSQL.run(binaries, host: readWrite, password: password, "SELECT archived_count > 0 AND failed_count = 0 FROM pg_stat_archiver").output)?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "t"
        }
        #expect(archiving, "\((try? PSQL.run(binaries, host: readWrite, password: password, "SELECT * FROM pg_stat_archiver").output) ?? "")")
        let rejoined = await Eventually.check(within: 90, healthy)
        #expect(rejoined, "the former primary should rejoin: \(sandbox.jsonpath("cluster/cluster-example", ".status"))")
        #expect(sandbox.jsonpath("pod/\(primary)", ".metadata.labels.cnpg\\.io/instanceRole") == "replica")

        // Least privilege held: neither the operator nor any instance manager was refused anything.
        let audit = try String(contentsOf: sandbox.stateDirectory.appendingPathComponent("audit.jsonl"), encoding: .utf8)
        let refusals = audit.split(separator: "\n").filter { $0.contains("\"code\":403") }
        #expect(refusals.isEmpty, "\(refusals.prefix(5).joined(separator: "\n"))")
        #expect(audit.contains("system:serviceaccount:cnpg-system:cnpg-manager"))
        #expect(audit.contains("system:serviceaccount:default:cluster-example"))
        // The least-privilege report: what each identity was granted and never used in this run.
        let records = audit.split(separator: "\n").compactMap { try? JSONText.parse(String($0)) }
        let cluster = try ObjectCodec.decode(Cluster.self, from: JSONText.parse(sandbox.kubectl(["get", "cluster", "cluster-example", "-o", "json"]).output))
        for (identity, rules) in [
            ("system:serviceaccount:cnpg-system:cnpg-manager", OperatorRBAC.rules),
            ("system:serviceaccount:default:cluster-example", InstanceRBAC.role(for: cluster).rules ?? []),
        ] {
            let used = RBACUsage.used(by: identity, in: records)
            #expect(!used.isEmpty, "\(identity) made no request")
            let unused = RBACUsage.unused(granted: rules, used: used)
            print(
                "e2e least privilege: \(identity) used \(used.count) permissions; granted but unused in this run: "
                    + unused.map(\.description).joined(separator: ", "))
        }

        #expect(await controller.stop() == .exited(0))
        let logs = (try? String(contentsOfFile: operatorLog, encoding: .utf8)) ?? ""
        #expect(!logs.contains(password), "the operator must never log a password")
    }

    @Test("rolling updates (restart-only parameter, restart request, new image) spaced by INSTANCES_ROLLOUT_DELAY, no failover; fencing; hibernation")
    func rollingUpdates() async throws {
        let binaries = try PostgresServer.findBinaries()
        let sandbox = try RunningSandbox(kubelet: true, extraArguments: ["--address-block", String(Int.random(in: 40...55) * 2)])
        defer { _ = sandbox.stop() }
        let kubeconfig = try await OperatorInstallation.install(on: sandbox)
        let operatorLog = sandbox.directory.url.appendingPathComponent("operator.log").path
        // Restarts within the cluster at least 8 s apart (CNPG's rollout coordinator).
        let controller = try Operator(kubeconfig: kubeconfig, log: operatorLog, environment: ["INSTANCES_ROLLOUT_DELAY": "8"])
        defer {
            controller.killIfRunning()
        }
        try Self.apply(sandbox, instances: 2)
        let cluster = "cluster/cluster-example"
        let status = { sandbox.jsonpath(cluster, ".status") }
        let healthy = {
            sandbox.jsonpath(cluster, ".status.readyInstances") == "2" && sandbox.jsonpath(cluster, ".status.phase") == "Cluster in healthy state"
        }
        try #require(await Eventually.check(within: 180, healthy), "status: \(status())")
        let primary = sandbox.jsonpath(cluster, ".status.currentPrimary")
        let replica = primary == "cluster-example-1" ? "cluster-example-2" : "cluster-example-1"
        let uid = { (pod: String) in sandbox.jsonpath("pod/\(pod)", ".metadata.uid") }
        let password = sandbox.secretValue("cluster-example-app", "password")
        let readWrite = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        let query = { (sql: String) in
            ((try? PSQL.run(binaries, host: readWrite, password: password, sql).output) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let phases = Phases(sandbox: sandbox)
        var (primaryUID, replicaUID, started) = (uid(primary), uid(replica), query("SELECT pg_postmaster_start_time()"))
        #expect(!started.isEmpty)

        // 1. A parameter that needs a restart: the replica's pod is replaced, then the primary restarts in place.
        #expect(
            try sandbox.kubectl([
                "patch", "cluster", "cluster-example", "--type=merge",
                "-p", #"{"spec":{"postgresql":{"parameters":{"max_connections":"150"}}}}"#,
            ]).status == 0)
        let applied = await Eventually.check(within: 150) {
            phases.record()
            return healthy() && query("SHOW max_connections") == "150" && query("SELECT pg_postmaster_start_time()") != started
                && uid(replica) != replicaUID && !uid(replica).isEmpty
        }
        #expect(applied, "status: \(status())")
        #expect(uid(primary) == primaryUID, "the primary restarted inside its pod")
        #expect(sandbox.jsonpath(cluster, ".status.currentPrimary") == primary, "no failover")

        // 2. kubectl.kubernetes.io/restartedAt on the Cluster: the same rolling restart.
        (primaryUID, replicaUID, started) = (uid(primary), uid(replica), query("SELECT pg_postmaster_start_time()"))
        let restart = try BuiltProducts.run("kubectl-cnpg", ["restart", "cluster-example", "--kubeconfig", sandbox.kubeconfig])
        #expect(restart.output == "cluster-example restarted\n", "\(restart.error)")
        let requested = sandbox.jsonpath(cluster, ".metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt")
        #expect(!requested.isEmpty)
        let restarted = await Eventually.check(within: 150) {
            healthy() && uid(replica) != replicaUID && query("SELECT pg_postmaster_start_time()") != started
                && sandbox.jsonpath("pod/\(primary)", ".metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt") == requested
        }
        #expect(restarted, "status: \(status())")
        #expect(uid(primary) == primaryUID)

        // 3. A new image: both pods are recreated on their volumes, the primary without a failover.
        (primaryUID, replicaUID) = (uid(primary), uid(replica))
        #expect(query("CREATE TABLE kept (x int); INSERT INTO kept VALUES (1)").isEmpty || true)
        #expect(
            try sandbox.kubectl([
                "patch", "cluster", "cluster-example", "--type=merge",
                "-p", #"{"spec":{"imageName":"ghcr.io/cloudnative-pg/postgresql:16.6"}}"#,
            ]).status == 0)
        let recreated = await Eventually.check(within: 180) {
            phases.record()
            return healthy() && uid(replica) != replicaUID && uid(primary) != primaryUID && !uid(primary).isEmpty
                && sandbox.jsonpath("pod/\(primary)", ".spec.containers[0].image") == "ghcr.io/cloudnative-pg/postgresql:16.6"
        }
        #expect(recreated, "status: \(status())")
        #expect(sandbox.jsonpath(cluster, ".status.currentPrimary") == primary, "recreating the primary is not a failover")
        #expect(await Eventually.check(within: 30) { query("SELECT count(*) FROM kept") == "1" }, "no data lost")
        let events = (try? sandbox.kubectl(["get", "events", "-o", "jsonpath={.items[*].reason}"]).output) ?? ""
        #expect(events.contains("UpgradingInstance") && events.contains("InplacePrimaryRestart"), "\(events)")
        #expect(events.contains("RolloutDelayed"), "the primary's restart waited INSTANCES_ROLLOUT_DELAY after the replica's: \(events)")
        #expect(phases.seen.contains("Cluster upgrade delayed"), "\(phases.seen)")

        // 4. Fencing the primary: PostgreSQL stops, the pod stays (not ready), nothing fails over; unfencing brings it back.
        let fencingPrimaryUID = uid(primary)
        let plugin = { (arguments: [String]) in try BuiltProducts.run("kubectl-cnpg", arguments + ["--kubeconfig", sandbox.kubeconfig]) }
        #expect(try plugin(["fencing", "on", "cluster-example", primary]).output == "\(primary) fenced\n")
        let ready = { (pod: String) in sandbox.jsonpath("pod/\(pod)", #".status.conditions[?(@.type=="Ready")].status"#) }
        #expect(await Eventually.check(within: 90) { ready(primary) == "False" }, "the fenced primary turns not ready")
        #expect(query("SELECT 1") != "1", "a fenced primary takes no connection")
        try await Task.sleep(for: .seconds(8))
        #expect(sandbox.jsonpath(cluster, ".status.currentPrimary") == primary, "a fenced primary is not failed over")
        #expect(uid(primary) == fencingPrimaryUID, "the pod stays")
        let fencedStatus = try plugin(["status", "cluster-example"]).output
        #expect(fencedStatus.contains("Primary instance is fenced"), "\(fencedStatus)")
        #expect(fencedStatus.split(separator: "\n").contains { $0.hasPrefix("Fenced instances:") && $0.hasSuffix(" \(primary)") }, "\(fencedStatus)")
        #expect(try plugin(["fencing", "off", "cluster-example", primary]).output == "\(primary) unfenced\n")
        #expect(await Eventually.check(within: 120) { healthy() && query("SELECT count(*) FROM kept") == "1" }, "status: \(status())")
        #expect(uid(primary) == fencingPrimaryUID)

        // 5. Hibernation: the pods go, the PVCs and the data stay; waking up brings the same data back.
        #expect(try plugin(["hibernate", "on", "cluster-example"]).output == "cluster cluster-example will be hibernated\n")
        let again = try plugin(["hibernate", "on", "cluster-example"])
        #expect(again.status != 0 && again.error.contains("cluster cluster-example is already in the requested state"), "\(again.error)")
        let instancePods = {
            (try? sandbox.kubectl(["get", "pods", "-l", "cnpg.io/podRole=instance", "-o", "jsonpath={.items[*].metadata.name}"]).output) ?? "?"
        }
        let hibernated = await Eventually.check(within: 120) {
            instancePods().isEmpty
                && sandbox.jsonpath(cluster, #".status.conditions[?(@.type=="cnpg.io/hibernation")].reason"#) == "Hibernated"
        }
        #expect(hibernated, "pods: \(instancePods()) status: \(status())")
        let claims = (try? sandbox.kubectl(["get", "pvc", "-l", "cnpg.io/cluster=cluster-example", "-o", "jsonpath={.items[*].metadata.name}"]).output) ?? ""
        #expect(claims.split(separator: " ").count == 2, "the PVCs stay: \(claims)")
        // The primary's pg_controldata, read through its operator-only endpoint, is kept on every PVC.
        let controldata =
            (try? sandbox.kubectl([
                "get", "pvc", "-l", "cnpg.io/cluster=cluster-example", "-o",
                #"jsonpath={range .items[*]}{.metadata.annotations.cnpg\.io/pgControldata}{"\n---\n"}{end}"#,
            ]).output) ?? ""
        #expect(controldata.components(separatedBy: "Database cluster state:").count == 3, "\(controldata)")
        #expect(try plugin(["status", "cluster-example"]).output.contains("Hibernated"))
        #expect(try plugin(["hibernate", "off", "cluster-example"]).output == "cluster cluster-example will be woken up\n")
        #expect(await Eventually.check(within: 150) { healthy() && query("SELECT count(*) FROM kept") == "1" }, "status: \(status())")
        #expect(sandbox.jsonpath(cluster, #".status.conditions[?(@.type=="cnpg.io/hibernation")].reason"#).isEmpty)
    }

    /// The phases a Cluster went through, sampled.
    final class Phases: @unchecked Sendable {
        let sandbox: RunningSandbox
        private(set) var seen: Set<String> = []
        init(sandbox: RunningSandbox) { self.sandbox = sandbox }
        func record() { seen.insert(sandbox.jsonpath("cluster/cluster-example", ".status.phase")) }
    }

    @Test("switchover with kubectl cnpg promote, scale 3 -> 5 -> 2, superuser toggle, and deletion collects everything")
    func switchoverScalingSuperuserAndDeletion() async throws {
        let binaries = try PostgresServer.findBinaries()
        let running = try await OperatorOnSandbox.start(addressBlocks: 40...55)
        defer { running.tearDown() }
        let sandbox = running.sandbox
        #expect(try sandbox.kubectl(["apply", "-f", BuiltProducts.samples.appendingPathComponent("cluster-example.yaml").path]).status == 0)
        let healthy = { (count: Int) -> Bool in
            sandbox.jsonpath("cluster/cluster-example", ".status.readyInstances") == String(count)
                && sandbox.jsonpath("cluster/cluster-example", ".status.instances") == String(count)
                && sandbox.jsonpath("cluster/cluster-example", ".status.phase") == "Cluster in healthy state"
        }
        let status = { sandbox.jsonpath("cluster/cluster-example", ".status") }
        try #require(await Eventually.check(within: 180) { healthy(3) }, "status: \(status())")
        let password = sandbox.secretValue("cluster-example-app", "password")
        let readWrite = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        #expect(try PSQL.run(binaries, host: readWrite, password: password, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)").status == 0)

        // kubectl cnpg status: instance data through pods/proxy, in CNPG's sections.
        // Right after the cluster turns healthy a standby may still be catching up: wait for both to stream.
        var report = try BuiltProducts.run("kubectl-cnpg", ["status", "cluster-example", "--kubeconfig", sandbox.kubeconfig])
        _ = await Eventually.check(within: 30) {
            report = (try? BuiltProducts.run("kubectl-cnpg", ["status", "cluster-example", "--kubeconfig", sandbox.kubeconfig])) ?? report
            return report.output.split(separator: "\n").filter { $0.hasPrefix("cluster-example-") && $0.contains(" streaming ") }.count == 2
        }
        #expect(report.status == 0, "\(report.error)")
        for expected in [
            "Cluster Summary", "Primary instance:       cluster-example-1", "Status:                 Cluster in healthy state",
            "Certificates Status", "cluster-example-server", "Streaming Replication status", "Replication Slots Enabled",
            "Instances status",
        ] {
            #expect(report.output.contains(expected), "\(expected) missing from:\n\(report.output)")
        }
        let instanceRows = report.output.split(separator: "\n").filter { $0.hasPrefix("cluster-example-") }
        #expect(instanceRows.filter { $0.contains("Primary") && $0.contains(" OK ") }.count == 1, "\(report.output)")
        #expect(instanceRows.filter { $0.contains(" streaming ") }.count == 2, "two standbys in the replication table: \(report.output)")
        #expect(instanceRows.filter { $0.contains("Standby (") && $0.contains(" OK ") }.count == 2, "\(report.output)")
        #expect(!report.output.contains("\u{1B}["), "no colour when not on a terminal")
        let json = try BuiltProducts.run("kubectl-cnpg", ["status", "cluster-example", "-o", "json", "--kubeconfig", sandbox.kubeconfig])
        let document = try JSONText.parse(json.output)
        #expect(document["cluster"]?["metadata"]?["name"] == .string("cluster-example"))
        #expect(document["instanceStatus"]?["items"]?.arrayValue?.count == 3)
        #expect(document["PrimaryPod"]?["metadata"]?["name"] == .string("cluster-example-1"))
        let verbose = try BuiltProducts.run("kubectl-cnpg", ["status", "cluster-example", "-v", "--kubeconfig", sandbox.kubeconfig])
        #expect(verbose.output.contains("PostgreSQL HBA Rules") && verbose.output.contains("hostssl"), "\(verbose.output)")

        // kubectl cnpg certificate: a client certificate signed by the cluster's CA.
        let certificate = try BuiltProducts.run(
            "kubectl-cnpg",
            [
                "certificate", "app-client", "--cnpg-cluster", "cluster-example", "--cnpg-user", "app",
                "--kubeconfig", sandbox.kubeconfig,
            ])
        #expect(certificate.output == "secret/app-client created\n", "\(certificate.error)")
        let leaf = try sandbox.directory.write("app-client.crt", sandbox.secretValue("app-client", #"tls\.crt"#))
        let ca = try sandbox.directory.write("cluster-ca.crt", sandbox.secretValue("cluster-example-ca", #"ca\.crt"#))
        let verified = try OpenSSL.run(["verify", "-purpose", "sslclient", "-CAfile", ca, leaf])
        #expect(verified.status == 0, "\(verified.output) \(verified.error)")
        #expect(try OpenSSL.run(["x509", "-in", leaf, "-noout", "-subject"]).output.contains("CN = app"))
        // psql presents it over TLS 1.3 with verify-full: the server's name checked against the cluster CA.
        let key = try sandbox.directory.write("app-client.key", sandbox.secretValue("app-client", #"tls\.key"#))
        guard let env = ExternalTool.find("env") else { throw TestFailure("env is not installed") }
        let verifyFull = try ExternalTool.run(
            env,
            [
                "PGPASSWORD=\(password)", "PGSSLMODE=verify-full", "PGSSLROOTCERT=\(ca)", "PGSSLCERT=\(leaf)",
                "PGSSLKEY=\(key)", "PGHOSTADDR=\(readWrite)", "PGCONNECT_TIMEOUT=5",
                binaries.appendingPathComponent("psql").path, "-h", "cluster-example-rw", "-U", "app", "-d", "app", "-Atc",
                "select version, client_dn from pg_stat_ssl where pid = pg_backend_pid()",
            ], timeout: 30)
        #expect(
            verifyFull.status == 0 && verifyFull.output.hasPrefix("TLSv1.3|") && verifyFull.output.contains("CN=app"),
            "\(verifyFull.output) \(verifyFull.error)")

        // Switchover with the plugin: `kubectl cnpg promote` sets status.targetPrimary.
        let plugin = { (arguments: [String]) in
            try BuiltProducts.run("kubectl-cnpg", [arguments[0], "--kubeconfig", sandbox.kubeconfig] + arguments.dropFirst())
        }
        let unknown = try plugin(["promote", "cluster-example", "9"])
        #expect(unknown.status == 1 && unknown.error.contains("pod \"cluster-example-9\" not found"), "\(unknown.error)")
        let already = try plugin(["promote", "cluster-example", "cluster-example-1"])
        #expect(already.output.contains("cluster-example-1 is already the primary node in the cluster"), "\(already.output) \(already.error)")
        // A client writes through -rw every 20 ms during the switchover: no acknowledged insert is lost.
        let writer = try await Self.startWrites(sandbox, binaries: binaries, host: readWrite, password: password)
        let promotedAt = ContinuousClock.now
        let promote = try plugin(["promote", "cluster-example", "2"])
        #expect(promote.status == 0, "\(promote.error)")
        #expect(promote.output.contains("Node cluster-example-2 in cluster cluster-example will be promoted"))
        let switched = await Eventually.check(within: 90) {
            sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary") == "cluster-example-2" && healthy(3)
        }
        #expect(switched, "status: \(status())")
        try await Self.finishWrites(
            writer, since: promotedAt, scenario: "switchover: kubectl cnpg promote to cluster-example-2",
            binaries: binaries, host: readWrite, password: password)
        let afterSwitchover = await Eventually.check(within: 30) {
            (try? PSQL.run(binaries, host: readWrite, password: password, "INSERT INTO t VALUES (2)").status) == 0
        }
        #expect(afterSwitchover)
        #expect(try PSQL.run(binaries, host: readWrite, password: password, "SELECT count(*) FROM t").output.hasPrefix("2"))

        // Scale up to five, then down to two: replicas go from the highest serial, never the primary.
        #expect(try sandbox.kubectl(["patch", "cluster", "cluster-example", "--type=merge", "-p", #"{"spec":{"instances":5}}"#]).status == 0)
        #expect(await Eventually.check(within: 180) { healthy(5) }, "status: \(status())")
        #expect(try sandbox.kubectl(["patch", "cluster", "cluster-example", "--type=merge", "-p", #"{"spec":{"instances":2}}"#]).status == 0)
        #expect(await Eventually.check(within: 180) { healthy(2) }, "status: \(status())")
        let claimsLeft = {
            (try? sandbox.kubectl(["get", "pvc", "-l", "cnpg.io/cluster=cluster-example", "-o", "jsonpath={.items[*].metadata.name}"]).output) ?? ""
        }
        let twoClaims = await Eventually.check(within: 60) { claimsLeft().split(separator: " ").sorted() == ["cluster-example-1", "cluster-example-2"] }
        #expect(twoClaims, "\(claimsLeft())")

        // kubectl cnpg destroy: the replica's pod, jobs and PVCs go; a new instance (a new serial) replaces it.
        let destroyed = try plugin(["destroy", "cluster-example", "1"])
        #expect(destroyed.output == "Instance cluster-example-1 of cluster cluster-example is destroyed\n", "\(destroyed.output) \(destroyed.error)")
        #expect(
            await Eventually.check(within: 180) {
                healthy(2) && claimsLeft().split(separator: " ").sorted() == ["cluster-example-2", "cluster-example-6"]
            }, "status: \(status()) claims: \(claimsLeft())")
        #expect(try PSQL.run(binaries, host: readWrite, password: password, "SELECT count(*) FROM t").output.hasPrefix("2"))

        // Superuser access: on creates the secret and allows login, off deletes it and refuses login.
        #expect(try sandbox.kubectl(["patch", "cluster", "cluster-example", "--type=merge", "-p", #"{"spec":{"enableSuperuserAccess":true}}"#]).status == 0)
        let superuserLogin = await Eventually.check(within: 60) {
            let secret = sandbox.secretValue("cluster-example-superuser", "password")
            guard !secret.isEmpty else { return false }
            return (try? PSQL.run(binaries, host: readWrite, password: secret, user: "postgres", database: "postgres", "SELECT 1").status) == 0
        }
        #expect(superuserLogin)
        let superuserPassword = sandbox.secretValue("cluster-example-superuser", "password")
        #expect(try sandbox.kubectl(["patch", "cluster", "cluster-example", "--type=merge", "-p", #"{"spec":{"enableSuperuserAccess":false}}"#]).status == 0)
        let locked = await Eventually.check(within: 60) {
            (try? sandbox.kubectl(["get", "secret", "cluster-example-superuser"]).status) != 0
                && (try? PSQL.run(binaries, host: readWrite, password: superuserPassword, user: "postgres", database: "postgres", "SELECT 1").status) != 0
        }
        #expect(locked)

        // Least privilege held while the cluster lived (once it is deleted, its Role goes and the
        // instance managers' last requests are refused, as on Kubernetes).
        let audit = try String(contentsOf: sandbox.stateDirectory.appendingPathComponent("audit.jsonl"), encoding: .utf8)
        let refusals = audit.split(separator: "\n").filter { $0.contains("\"code\":403") }
        #expect(refusals.isEmpty, "\(refusals.prefix(5).joined(separator: "\n"))")

        // Deleting the Cluster collects everything it owned and stops its processes.
        #expect(try sandbox.kubectl(["delete", "cluster", "cluster-example", "--timeout=120s"]).status == 0)
        let collected = await Eventually.check(within: 120) {
            let left =
                (try? sandbox.kubectl(["get", "pods,pvc,secrets,services,jobs,roles", "-l", "cnpg.io/cluster=cluster-example", "-o", "name"]).output) ?? "x"
            return left.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        #expect(collected, "\((try? sandbox.kubectl(["get", "pods,pvc,secrets,services,jobs", "-o", "name"]).output) ?? "")")
    }

    @Test("two operators with --leader-elect: one leads, the other takes over when it dies, and a clean exit releases the lease")
    func leaderElection() async throws {
        let sandbox = try RunningSandbox(kubelet: true, extraArguments: ["--address-block", String(Int.random(in: 28...38) * 2)])
        defer { _ = sandbox.stop() }
        let kubeconfig = try await OperatorInstallation.install(on: sandbox)
        let arguments = ["--leader-elect", "--lease-duration-seconds", "4"]
        let first = try Operator(kubeconfig: kubeconfig, log: sandbox.directory.url.appendingPathComponent("first.log").path, extraArguments: arguments)
        let second = try Operator(kubeconfig: kubeconfig, log: sandbox.directory.url.appendingPathComponent("second.log").path, extraArguments: arguments)
        defer {
            for candidate in [first, second] {
                candidate.killIfRunning()
            }
        }
        let oneLeads = await Eventually.check(within: 30) { first.isLeader != second.isLeader }
        try #require(oneLeads, "first: \(first.output.suffix(500)) second: \(second.output.suffix(500))")
        let (leader, follower) = first.isLeader ? (first, second) : (second, first)
        let holder = Self.leaseHolder(sandbox)
        #expect(!holder.isEmpty)

        try Self.apply(sandbox, instances: 1)
        let healthy = { (count: Int) in
            sandbox.jsonpath("cluster/cluster-example", ".status.readyInstances") == String(count)
                && sandbox.jsonpath("cluster/cluster-example", ".status.phase") == "Cluster in healthy state"
        }
        #expect(await Eventually.check(within: 120) { healthy(1) })
        #expect(!follower.isLeader, "only one operator may lead")

        // The leader dies without releasing: the follower takes over once the lease expires.
        await leader.kill()
        #expect(await Eventually.check(within: 30) { follower.isLeader }, "\(follower.output.suffix(800))")
        #expect(Self.leaseHolder(sandbox) != holder)
        #expect(try sandbox.kubectl(["patch", "cluster", "cluster-example", "--type=merge", "-p", #"{"spec":{"instances":2}}"#]).status == 0)
        #expect(await Eventually.check(within: 120) { healthy(2) }, "the new leader reconciles")

        // A clean exit hands the lease over at once.
        #expect(await follower.stop() == .exited(0))
        #expect(Self.leaseHolder(sandbox).isEmpty)
    }

    /// A Cluster of `instances`; a short smartShutdownTimeout keeps a pod that a test deletes from
    /// waiting the default 180 s for sessions to end before the fast shutdown.
    /// cluster-example is healthy with exactly these instances, all ready.
    static func isHealthy(_ sandbox: RunningSandbox, instances: [String]) -> Bool {
        let cluster = "cluster/cluster-example"
        return sandbox.jsonpath(cluster, ".status.readyInstances") == String(instances.count)
            && sandbox.jsonpath(cluster, ".status.phase") == "Cluster in healthy state"
            && sandbox.jsonpath(cluster, ".status.instanceNames") == "[" + instances.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }

    static func apply(_ sandbox: RunningSandbox, instances: Int) throws {
        let result = try sandbox.kubectl(
            ["apply", "-f", "-"],
            stdin: """
                apiVersion: postgresql.cnpg.io/v1
                kind: Cluster
                metadata: {name: cluster-example}
                spec:
                  instances: \(instances)
                  smartShutdownTimeout: 5
                  storage: {size: 1Gi}
                """)
        guard result.status == 0 else { throw TestFailure("apply: \(result.error)") }
    }
}
