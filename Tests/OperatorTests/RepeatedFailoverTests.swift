import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// Twenty unplanned failovers in a row under continuous writes, with CNPG's `cluster-example`
/// (quorum synchronous replication, ANY 1): each time every process of the current primary's
/// container is killed, a replica takes over, writes resume and the killed instance rejoins
/// before the next round. No insert PostgreSQL acknowledged may be missing at the end.
extension ClusterLifecycleTests {
    @Test("20 primary kills in a row with quorum synchronous replication: every failover completes, no acknowledged insert lost")
    func repeatedPrimaryKills() async throws {
        let rounds = 20
        // Each pod is killed about seven times: a short restart back-off keeps its rejoins quick.
        let cluster = try await ExampleClusterFixture.start(sandboxArguments: ["--max-restart-backoff", "2s"])
        defer { cluster.tearDown() }
        let writer = try await Self.startWrites(cluster.sandbox, binaries: cluster.binaries, host: cluster.readWrite, password: cluster.password)
        let started = ContinuousClock.now

        var windows: [Double] = []
        for round in 1...rounds {
            let primary = cluster.currentPrimary
            let container = try cluster.containerProcess(of: primary)
            let killedAt = ContinuousClock.now
            kill(container, SIGKILL)
            try #require(await cluster.failedOver(from: primary, within: 60), "round \(round): no failover from \(primary): \(cluster.status)")
            try #require(await Eventually.check(within: 60) { writer.acknowledged(after: killedAt) >= 10 }, "round \(round): writes did not resume")
            if let resumed = writer.firstAcknowledgement(after: killedAt) { windows.append((resumed - killedAt).secondsValue) }
            try #require(await Eventually.check(within: 180) { cluster.isHealthy }, "round \(round): \(primary) did not rejoin: \(cluster.status)")
        }
        let outcome = try await ClusterWrites.finish(
            writer, since: started, binaries: cluster.binaries, host: cluster.readWrite,
            password: cluster.password, table: "writes", resumeWithin: 10)
        #expect(
            outcome.readBack.status == 0 && outcome.missing.isEmpty,
            "acknowledged inserts lost: \(outcome.missing.prefix(20)) \(outcome.readBack.error)")
        let sorted = windows.sorted()
        print(
            String(
                format: "e2e %d primary kills: writes resumed after %.2f s median, %.2f s at most; ", rounds,
                sorted.isEmpty ? 0 : sorted[sorted.count / 2], sorted.last ?? 0)
                + "\(outcome.report.summary); \(outcome.missing.count) acknowledged inserts missing")
        #expect(await cluster.stopOperator() == .exited(0))
    }
}
