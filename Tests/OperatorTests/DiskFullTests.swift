import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// A WAL volume that fills up (the sandbox's volumes are tmpfs mounts of the size each claim
/// requests): PostgreSQL stops, the instance manager exits with code 4, the Cluster says "Not
/// enough disk space" with a condition and a Warning event, and nothing fails over; growing
/// spec.walStorage.size grows the claims and the same primary comes back with every committed row.
/// Then PGDATA fills with committed rows: the condition names the volume, nothing fails over, and
/// growing spec.storage.size clears it.
extension ClusterLifecycleTests {
    static func applyWithSmallVolumes(_ sandbox: RunningSandbox, dataSize: String, walSize: String) throws {
        let result = try sandbox.kubectl(
            ["apply", "-f", "-"],
            stdin: """
                apiVersion: postgresql.cnpg.io/v1
                kind: Cluster
                metadata: {name: cluster-example}
                spec:
                  instances: 2
                  smartShutdownTimeout: 5
                  storage: {size: \(dataSize)}
                  walStorage: {size: \(walSize)}
                """)
        guard result.status == 0 else { throw TestFailure("apply: \(result.error)") }
    }

    @Test("full WAL and data volumes: reported, never failed over; growing the volumes brings the same primary back with its data")
    func walVolumeFull() async throws {
        let binaries = try PostgresServer.findBinaries()
        let running = try await OperatorOnSandbox.start(sandboxArguments: ["--limit-volume-capacity", "--max-restart-backoff", "2s"])
        defer { running.tearDown() }
        let (sandbox, controller) = (running.sandbox, running.controller)
        let cluster = "cluster/cluster-example"

        try Self.applyWithSmallVolumes(sandbox, dataSize: "256Mi", walSize: "112Mi")
        let healthy = { sandbox.jsonpath(cluster, ".status.readyInstances") == "2" && sandbox.jsonpath(cluster, ".status.phase") == "Cluster in healthy state" }
        try #require(
            await Eventually.check(within: 180, healthy),
            "status: \(sandbox.jsonpath(cluster, ".status")) operator: \(controller.output.suffix(2000))")
        let primary = sandbox.jsonpath(cluster, ".status.currentPrimary")
        let password = sandbox.secretValue("cluster-example-app", "password")
        let readWrite = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        let kept = try PSQL.run(
            binaries, host: readWrite, password: password,
            "CREATE TABLE kept AS SELECT g AS id FROM generate_series(1, 100) g; SELECT count(*) FROM kept")
        try #require(kept.status == 0 && kept.output.contains("100"), "\(kept.error)")

        // More WAL than the volume holds, in one transaction: PostgreSQL cannot write it and stops.
        let fill = try PSQL.run(
            binaries, host: readWrite, password: password,
            "CREATE TABLE filler AS SELECT repeat(md5(g::text), 32) AS pad FROM generate_series(1, 200000) g")
        #expect(fill.status != 0, "the filling transaction committed: the WAL volume is not limited")
        let filled = ContinuousClock.now

        let reported = await Eventually.check(within: 90) {
            sandbox.jsonpath(cluster, ".status.phase") == "Not enough disk space"
                && sandbox.jsonpath(cluster, #".status.conditions[?(@.type=="DiskSpaceAvailable")].status"#) == "False"
        }
        try #require(reported, "status: \(sandbox.jsonpath(cluster, ".status")) operator: \(controller.output.suffix(3000))")
        print("WAL volume full: reported \(ContinuousClock.now - filled) after the failed transaction")
        let exitCodes =
            sandbox.jsonpath("pod/\(primary)", ".status.containerStatuses[0].state.terminated.exitCode")
            + sandbox.jsonpath("pod/\(primary)", ".status.containerStatuses[0].lastState.terminated.exitCode")
        #expect(exitCodes.contains("4"), "the primary's manager did not exit with code 4: \(sandbox.jsonpath("pod/\(primary)", ".status"))")
        let warnings =
            (try? sandbox.kubectl([
                "get", "events", "-o",
                #"jsonpath={range .items[?(@.reason=="NotEnoughDiskSpace")]}{.type} {.message}{"\n"}{end}"#,
            ]).output) ?? ""
        #expect(warnings.contains("Warning Not enough disk space for WAL on") && warnings.contains(primary), "events: \(warnings)")
        let logs = [["logs", primary], ["logs", primary, "--previous"]].map { (try? sandbox.kubectl($0).output) ?? "" }.joined()
        #expect(logs.contains("not enough disk space for WAL"), "\(logs.suffix(1500))")

        // Several operator passes (every 10 s while short of space): no failover, no new target.
        try await Task.sleep(for: .seconds(25))
        #expect(sandbox.jsonpath(cluster, ".status.currentPrimary") == primary)
        #expect(sandbox.jsonpath(cluster, ".status.targetPrimary") == primary)
        #expect(sandbox.jsonpath(cluster, ".status.phase") == "Not enough disk space")
        let failovers =
            (try? sandbox.kubectl([
                "get", "events", "-o",
                #"jsonpath={range .items[?(@.reason=="FailingOver")]}{.message}{"\n"}{end}"#,
            ]).output) ?? ""
        #expect(failovers.isEmpty, "a failover started: \(failovers)")

        // The user grows the WAL volume: admission accepts it, the claims grow, PostgreSQL starts again.
        let resized = try sandbox.kubectl(["patch", cluster, "--type", "merge", "-p", #"{"spec":{"walStorage":{"size":"512Mi"}}}"#])
        try #require(resized.status == 0, "\(resized.error)")
        let resizedAt = ContinuousClock.now
        let grown = await Eventually.check(within: 60) {
            ["cluster-example-1-wal", "cluster-example-2-wal"].allSatisfy { sandbox.jsonpath("pvc/\($0)", ".status.capacity.storage") == "512Mi" }
        }
        #expect(grown, "claims: \((try? sandbox.kubectl(["get", "pvc", "-o", "wide"]).output) ?? "")")
        let recovered = await Eventually.check(within: 150) {
            healthy() && sandbox.jsonpath(cluster, #".status.conditions[?(@.type=="DiskSpaceAvailable")].status"#) == "True"
        }
        try #require(recovered, "status: \(sandbox.jsonpath(cluster, ".status")) operator: \(controller.output.suffix(3000))")
        print("WAL volume full: healthy again \(ContinuousClock.now - resizedAt) after walStorage grew")
        #expect(sandbox.jsonpath(cluster, ".status.currentPrimary") == primary, "the primary changed")
        let rows = try PSQL.run(binaries, host: readWrite, password: password, "SELECT count(*) FROM kept; INSERT INTO kept VALUES (101)")
        #expect(rows.status == 0 && rows.output.hasPrefix("100"), "\(rows.output) \(rows.error)")
        let streaming = await Eventually.check(within: 60) {
            (try? PSQL.run(binaries, host: readWrite, password: password, "SELECT count(*) FROM pg_stat_replication").output)?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "1"
        }
        #expect(streaming, "the replica does not stream again")
        try await fillDataVolume(sandbox, binaries: binaries, host: readWrite, password: password, primary: primary, operatorOutput: { controller.output })

        let stop = await controller.stop()
        #expect(stop == .exited(0), "\(stop)")
    }

    /// Committed rows until PGDATA (256Mi) is full: the Cluster says so and holds still; 1Gi brings it back.
    func fillDataVolume(
        _ sandbox: RunningSandbox, binaries: URL, host: String, password: String, primary: String,
        operatorOutput: () -> String
    ) async throws {
        let cluster = "cluster/cluster-example"
        let created = try PSQL.run(binaries, host: host, password: password, "CREATE TABLE bulk (pad text)")
        try #require(created.status == 0, "\(created.error)")
        var committed = 0
        var failure = ""
        for _ in 0..<60 {
            let batch = try PSQL.run(
                binaries, host: host, password: password,
                "INSERT INTO bulk SELECT repeat('x', 1800) FROM generate_series(1, 5000)")
            guard batch.status == 0 else {
                failure = batch.error
                break
            }
            committed += 5000
        }
        let filled = ContinuousClock.now
        #expect(
            failure.contains("Check free disk space") || failure.contains("No space left on device") || failure.contains("server closed the connection"),
            "the data volume never filled (\(committed) rows): \(failure)")
        let reported = await Eventually.check(within: 90) {
            sandbox.jsonpath(cluster, #".status.conditions[?(@.type=="DiskSpaceAvailable")].status"#) == "False"
                && sandbox.jsonpath(cluster, #".status.conditions[?(@.type=="DiskSpaceAvailable")].message"#).contains("PG_DATA")
        }
        try #require(reported, "status: \(sandbox.jsonpath(cluster, ".status")) operator: \(operatorOutput().suffix(3000))")
        print(
            "data volume full after \(committed) rows: reported \(ContinuousClock.now - filled) after the failed insert; "
                + "phase \(sandbox.jsonpath(cluster, ".status.phase")): \(sandbox.jsonpath(cluster, #".status.conditions[?(@.type=="DiskSpaceAvailable")].message"#))"
        )
        let warnings =
            (try? sandbox.kubectl([
                "get", "events", "-o",
                #"jsonpath={range .items[?(@.reason=="NotEnoughDiskSpace")]}{.message}{"\n"}{end}"#,
            ]).output) ?? ""
        #expect(warnings.contains("PG_DATA") || warnings.split(separator: "\n").count >= 2, "events: \(warnings)")
        try await Task.sleep(for: .seconds(15))
        #expect(sandbox.jsonpath(cluster, ".status.currentPrimary") == primary)
        #expect(sandbox.jsonpath(cluster, ".status.targetPrimary") == primary)

        let resized = try sandbox.kubectl(["patch", cluster, "--type", "merge", "-p", #"{"spec":{"storage":{"size":"1Gi"}}}"#])
        try #require(resized.status == 0, "\(resized.error)")
        let resizedAt = ContinuousClock.now
        let recovered = await Eventually.check(within: 150) {
            sandbox.jsonpath(cluster, ".status.readyInstances") == "2" && sandbox.jsonpath(cluster, ".status.phase") == "Cluster in healthy state"
                && sandbox.jsonpath(cluster, #".status.conditions[?(@.type=="DiskSpaceAvailable")].status"#) == "True"
        }
        try #require(recovered, "status: \(sandbox.jsonpath(cluster, ".status")) operator: \(operatorOutput().suffix(3000))")
        print("data volume full: healthy again \(ContinuousClock.now - resizedAt) after storage grew")
        #expect(sandbox.jsonpath(cluster, ".status.currentPrimary") == primary, "the primary changed")
        let rows = try PSQL.run(binaries, host: host, password: password, "SELECT count(*) FROM bulk; INSERT INTO bulk VALUES ('after')")
        #expect(rows.status == 0 && rows.output.hasPrefix("\(committed)"), "\(committed) committed: \(rows.output) \(rows.error)")
        let failovers =
            (try? sandbox.kubectl([
                "get", "events", "-o",
                #"jsonpath={range .items[?(@.reason=="FailingOver")]}{.message}{"\n"}{end}"#,
            ]).output) ?? ""
        #expect(failovers.isEmpty, "a failover started: \(failovers)")
    }
}
