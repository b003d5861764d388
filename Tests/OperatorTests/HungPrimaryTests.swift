import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// A hung node: every process of the primary's container is stopped (SIGSTOP), so its pod still
/// runs but nothing answers. The operator fails over; the replica it promotes must first see the
/// primary Lease unchanged for its whole duration (the old primary may still be alive), and when
/// the old primary wakes up it must step down instead of taking writes. With quorum synchronous
/// replication no acknowledged insert may be lost, and exactly one instance ends up primary.
extension ClusterLifecycleTests {
    @Test("a hung primary (SIGSTOP): failover waits for the primary Lease, the old primary steps down when it wakes, no acknowledged row lost")
    func hungPrimary() async throws {
        let binaries = try PostgresServer.findBinaries()
        let sandbox = try RunningSandbox(kubelet: true, extraArguments: ["--address-block", String(Int.random(in: 64...79) * 2)])
        defer { _ = sandbox.stop() }
        let controller = try await Operator.installedWithWebhooks(on: sandbox)
        var stopped = false
        defer { if !stopped { controller.process.signal(SIGKILL); _ = controller.process.poll() } }

        let applied = try sandbox.kubectl(["apply", "-f", BuiltProducts.samples.appendingPathComponent("cluster-example.yaml").path])
        #expect(applied.status == 0, "\(applied.error)")
        let healthy = { () -> Bool in
            sandbox.jsonpath("cluster/cluster-example", ".status.readyInstances") == "3"
                && sandbox.jsonpath("cluster/cluster-example", ".status.phase") == "Cluster in healthy state"
        }
        try #require(await Eventually.check(within: 180, healthy), "status: \(sandbox.jsonpath("cluster/cluster-example", ".status"))")
        let primary = sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary")
        let leaseHolder = { sandbox.jsonpath("lease/cluster-example", ".spec.holderIdentity") }
        #expect(await Eventually.check(within: 10) { leaseHolder() == primary }, "the primary holds the Lease: \(leaseHolder())")
        let password = sandbox.secretValue("cluster-example-app", "password")
        let readWrite = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        let streaming = await Eventually.check(within: 30) {
            (try? PSQL.run(binaries, host: readWrite, password: password, "SELECT count(*) FROM pg_stat_replication").output)?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "2"
        }
        #expect(streaming, "two standbys stream from the primary")

        let writer = try await Self.startWrites(sandbox, binaries: binaries, host: readWrite, password: password)
        let container = try #require(pid_t(sandbox.jsonpath("pod/\(primary)", ".status.containerStatuses[0].containerID")
            .replacingOccurrences(of: "sandbox://", with: "")))
        let hungAt = ContinuousClock.now
        #expect(ProcessTree.signal(SIGSTOP, tree: container) >= 2, "the manager and PostgreSQL are stopped")
        var resumed = false
        defer { if !resumed { ProcessTree.signal(SIGCONT, tree: container) } }

        let failedOver = await Eventually.check(within: 90) {
            let current = sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary")
            return !current.isEmpty && current != primary
        }
        let failoverSeconds = (ContinuousClock.now - hungAt).secondsValue
        try #require(failedOver, "status: \(sandbox.jsonpath("cluster/cluster-example", ".status")) operator: \(controller.output.suffix(1500))")
        let newPrimary = sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary")
        #expect(leaseHolder() == newPrimary, "the new primary holds the Lease")

        // The old primary wakes up: it must give up being primary, not take writes.
        ProcessTree.signal(SIGCONT, tree: container)
        resumed = true
        try await Self.finishWrites(writer, since: hungAt, scenario: String(format: "hung primary: %@ promoted %.1f s after the freeze", newPrimary, failoverSeconds),
                                    binaries: binaries, host: readWrite, password: password)
        let rejoined = await Eventually.check(within: 120, healthy)
        #expect(rejoined, "the former primary should rejoin: \(sandbox.jsonpath("cluster/cluster-example", ".status"))")
        // Exactly one instance runs as primary, and it is the new one.
        var primaries: [String] = []
        for serial in 1...3 {
            let ip = sandbox.jsonpath("pod/cluster-example-\(serial)", ".status.podIP")
            let recovery = try PSQL.run(binaries, host: ip, password: password, "SELECT pg_is_in_recovery()")
            if recovery.output.trimmingCharacters(in: .whitespacesAndNewlines) == "f" { primaries.append("cluster-example-\(serial)") }
        }
        #expect(primaries == [newPrimary], "instances running as primary: \(primaries)")
        #expect(leaseHolder() == newPrimary)
        let oldPrimaryLog = (try? sandbox.kubectl(["logs", primary, "--previous"]).output) ?? ""
        #expect(oldPrimaryLog.contains("stepping down as primary") || oldPrimaryLog.contains("another instance is the target primary"),
                "the old primary stopped itself: \(oldPrimaryLog.suffix(1500))")

        stopped = true
        #expect(await controller.stop() == .exited(0))
    }
}
