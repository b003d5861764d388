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
        let cluster = try await ExampleClusterFixture.start()
        defer { cluster.tearDown() }
        let primary = cluster.currentPrimary
        #expect(await Eventually.check(within: 60) { cluster.leaseHolder == primary }, "the primary holds the Lease: \(cluster.leaseHolder)")

        let writer = try await Self.startWrites(cluster.sandbox, binaries: cluster.binaries, host: cluster.readWrite, password: cluster.password)
        let container = try cluster.containerProcess(of: primary)
        let hungAt = ContinuousClock.now
        #expect(ProcessTree.signal(SIGSTOP, tree: container) >= 2, "the manager and PostgreSQL are stopped")
        var resumed = false
        defer { if !resumed { ProcessTree.signal(SIGCONT, tree: container) } }

        let failedOver = await cluster.failedOver(from: primary, within: 90)
        let failoverSeconds = (ContinuousClock.now - hungAt).secondsValue
        try #require(failedOver, "status: \(cluster.status) operator: \(cluster.controller.output.suffix(1500))")
        let newPrimary = cluster.currentPrimary
        #expect(cluster.leaseHolder == newPrimary, "the new primary holds the Lease")

        // The old primary wakes up: it must give up being primary, not take writes.
        ProcessTree.signal(SIGCONT, tree: container)
        resumed = true
        try await Self.finishWrites(
            writer, since: hungAt, scenario: String(format: "hung primary: %@ promoted %.1f s after the freeze", newPrimary, failoverSeconds),
            binaries: cluster.binaries, host: cluster.readWrite, password: cluster.password)
        #expect(await Eventually.check(within: 120) { cluster.isHealthy }, "the former primary should rejoin: \(cluster.status)")
        #expect(try cluster.instancesRunningAsPrimary() == [newPrimary])
        #expect(cluster.leaseHolder == newPrimary)
        let oldPrimaryLog = cluster.logsOfEveryRun(of: primary)
        #expect(
            oldPrimaryLog.contains("stepping down as primary") || oldPrimaryLog.contains("another instance is the target primary"),
            "the old primary stopped itself: \(oldPrimaryLog.suffix(1500))")
        #expect(await cluster.stopOperator() == .exited(0))
    }
}
