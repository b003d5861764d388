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
        let password = sandbox.secretValue("cluster-example-app", "password")
        let readWrite = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        #expect(await Eventually.check(within: 30) {
            (try? PSQL.run(binaries, host: readWrite, password: password, "SELECT count(*) FROM pg_stat_replication").output)?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "2"
        }, "two standbys stream from the primary")
        let writer = try await Self.startWrites(sandbox, binaries: binaries, host: readWrite, password: password)

        let partition = sandbox.stateDirectory.appendingPathComponent("isolated-pods")
        let isolatedAt = ContinuousClock.now
        try "default/\(primary)\n".write(to: partition, atomically: true, encoding: .utf8)
        let failedOver = await Eventually.check(within: 120) {
            let current = sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary")
            return !current.isEmpty && current != primary
        }
        let failoverSeconds = (ContinuousClock.now - isolatedAt).secondsValue
        try #require(failedOver, "status: \(sandbox.jsonpath("cluster/cluster-example", ".status")) operator: \(controller.output.suffix(1500))")
        let newPrimary = sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary")
        try await Self.finishWrites(writer, since: isolatedAt,
                                    scenario: String(format: "isolated primary: %@ fenced itself, %@ promoted %.1f s after the partition",
                                                     primary, newPrimary, failoverSeconds),
                                    binaries: binaries, host: readWrite, password: password)
        let stepDown = (try? sandbox.kubectl(["logs", primary, "--previous"]).output) ?? ""
        #expect(stepDown.contains("stepping down as primary") && stepDown.contains("isolation check failed"),
                "the isolated primary should have stopped itself: \(stepDown.suffix(1500))")

        // The partition heals: the old primary rejoins as a replica; one primary, holding the Lease.
        try "".write(to: partition, atomically: true, encoding: .utf8)
        #expect(await Eventually.check(within: 180, healthy), "the former primary should rejoin: \(sandbox.jsonpath("cluster/cluster-example", ".status"))")
        var primaries: [String] = []
        for serial in 1...3 {
            let ip = sandbox.jsonpath("pod/cluster-example-\(serial)", ".status.podIP")
            let recovery = try PSQL.run(binaries, host: ip, password: password, "SELECT pg_is_in_recovery()")
            if recovery.output.trimmingCharacters(in: .whitespacesAndNewlines) == "f" { primaries.append("cluster-example-\(serial)") }
        }
        #expect(primaries == [newPrimary], "instances running as primary: \(primaries)")
        #expect(sandbox.jsonpath("lease/cluster-example", ".spec.holderIdentity") == newPrimary)
        stopped = true
        #expect(await controller.stop() == .exited(0))
    }
}
