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
        let binaries = try PostgresServer.findBinaries()
        // Each pod is killed about seven times: a short restart back-off keeps its rejoins quick.
        let sandbox = try RunningSandbox(kubelet: true, extraArguments: ["--address-block", String(Int.random(in: 64...79) * 2),
                                                                         "--max-restart-backoff", "2s"])
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
        let password = sandbox.secretValue("cluster-example-app", "password")
        let readWrite = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        let writer = try await Self.startWrites(sandbox, binaries: binaries, host: readWrite, password: password)
        let started = ContinuousClock.now

        var windows: [Double] = []
        for round in 1...rounds {
            let primary = sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary")
            let container = try #require(pid_t(sandbox.jsonpath("pod/\(primary)", ".status.containerStatuses[0].containerID")
                .replacingOccurrences(of: "sandbox://", with: "")), "round \(round): the primary's container")
            let killedAt = ContinuousClock.now
            kill(container, SIGKILL)
            let failedOver = await Eventually.check(within: 60) {
                let current = sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary")
                return !current.isEmpty && current != primary
            }
            try #require(failedOver, "round \(round): no failover from \(primary): \(sandbox.jsonpath("cluster/cluster-example", ".status"))")
            try #require(await Eventually.check(within: 60) { writer.acknowledged(after: killedAt) >= 10 },
                         "round \(round): writes did not resume")
            if let resumed = writer.firstAcknowledgement(after: killedAt) { windows.append((resumed - killedAt).secondsValue) }
            try #require(await Eventually.check(within: 180, healthy),
                         "round \(round): \(primary) did not rejoin: \(sandbox.jsonpath("cluster/cluster-example", ".status"))")
        }
        let outcome = try await ClusterWrites.finish(writer, since: started, binaries: binaries, host: readWrite, password: password,
                                                     table: "writes", resumeWithin: 10)
        #expect(outcome.readBack.status == 0 && outcome.missing.isEmpty,
                "acknowledged inserts lost: \(outcome.missing.prefix(20)) \(outcome.readBack.error)")
        let sorted = windows.sorted()
        print(String(format: "e2e %d primary kills: writes resumed after %.2f s median, %.2f s at most; ", rounds,
                     sorted.isEmpty ? 0 : sorted[sorted.count / 2], sorted.last ?? 0)
            + "\(outcome.report.summary); \(outcome.missing.count) acknowledged inserts missing")
        stopped = true
        #expect(await controller.stop() == .exited(0))
    }
}
