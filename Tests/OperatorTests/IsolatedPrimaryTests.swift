import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// An isolated node: the primary's pod is cut off from the API server (the sandbox's
/// `isolated-pods`: its token gets no answer) while its peers are not. It cannot renew the primary
/// Lease; past the renew deadline its isolation check finds peers that still reach the API server,
/// so it stops PostgreSQL itself, and a replica is promoted. With quorum synchronous replication no
/// acknowledged insert is lost, and once the partition heals the old primary rejoins as a replica.
extension ClusterLifecycleTests {
    @Test("an isolated primary (no API server) fences itself; a replica takes over; no acknowledged row lost; it rejoins after the partition")
    func isolatedPrimary() async throws {
        let cluster = try await ExampleClusterFixture.start()
        defer { cluster.tearDown() }
        let primary = cluster.currentPrimary
        let writer = try await Self.startWrites(cluster.sandbox, binaries: cluster.binaries, host: cluster.readWrite, password: cluster.password)

        let partition = cluster.sandbox.stateDirectory.appendingPathComponent("isolated-pods")
        let isolatedAt = ContinuousClock.now
        try "default/\(primary)\n".write(to: partition, atomically: true, encoding: .utf8)
        let failedOver = await cluster.failedOver(from: primary, within: 120)
        let failoverSeconds = (ContinuousClock.now - isolatedAt).secondsValue
        try #require(failedOver, "status: \(cluster.status) operator: \(cluster.controller.output.suffix(1500))")
        let newPrimary = cluster.currentPrimary
        try await Self.finishWrites(
            writer, since: isolatedAt,
            scenario: String(
                format: "isolated primary: %@ fenced itself, %@ promoted %.1f s after the partition",
                primary, newPrimary, failoverSeconds),
            binaries: cluster.binaries, host: cluster.readWrite, password: cluster.password)
        let stepDown = cluster.logsOfEveryRun(of: primary)
        #expect(
            stepDown.contains("stepping down as primary") && stepDown.contains("isolation check failed"),
            "the isolated primary should have stopped itself: \(stepDown.suffix(1500))")

        // The partition heals: the old primary rejoins as a replica; one primary, holding the Lease.
        try "".write(to: partition, atomically: true, encoding: .utf8)
        #expect(await Eventually.check(within: 180) { cluster.isHealthy }, "the former primary should rejoin: \(cluster.status)")
        #expect(try cluster.instancesRunningAsPrimary() == [newPrimary])
        #expect(cluster.leaseHolder == newPrimary)
        #expect(await cluster.stopOperator() == .exited(0))
    }
}
