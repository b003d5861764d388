import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The operator SIGKILLed at seeded random moments of a bootstrap, a failover and a switchover of
/// CNPG's `cluster-example`, and started again each time: the cluster converges with exactly its
/// three instances, one PostgreSQL out of recovery, and no insert PostgreSQL acknowledged is lost.
/// The seed is printed (`CNPG_FAULT_SEED` replays it).
extension ClusterLifecycleTests {
    @Test("the operator killed at random points of bootstrap, failover and switchover: one primary, no extra instance, no acknowledged write lost")
    func operatorKilledAtRandomPoints() async throws {
        let seed = ProcessInfo.processInfo.environment["CNPG_FAULT_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("e2e operator kills: seed \(seed)")
        var random = SplitMix64(seed: seed)
        let binaries = try PostgresServer.findBinaries()
        let sandbox = try RunningSandbox(
            kubelet: true, extraArguments: ["--address-block", String(Int.random(in: 64...79) * 2), "--max-restart-backoff", "2s"])
        defer { _ = sandbox.stop() }
        var controller = try await Operator.installedWithWebhooks(on: sandbox)
        defer {
            controller.killIfRunning()
        }
        var kills: [String] = []
        func killOperator(after milliseconds: Int, during phase: String) async throws {
            try await Task.sleep(for: .milliseconds(milliseconds))
            await controller.kill()
            kills.append("\(phase) +\(milliseconds) ms")
            controller = try await Operator.installedWithWebhooks(on: sandbox)
        }
        var fixture: ExampleClusterFixture {
            ExampleClusterFixture(
                sandbox: sandbox, controller: controller, binaries: binaries,
                password: sandbox.secretValue("cluster-example-app", "password"),
                readWrite: sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP"))
        }
        let instances = {
            Set(
                (try? sandbox.kubectl(["get", "pods", "-l", "cnpg.io/podRole=instance", "-o", "jsonpath={.items[*].metadata.name}"]).output)?
                    .split(separator: " ").map(String.init) ?? [])
        }

        // Bootstrap: two kills while the primary is initialised and the replicas join.
        #expect(try sandbox.kubectl(["apply", "-f", BuiltProducts.samples.appendingPathComponent("cluster-example.yaml").path]).status == 0)
        for _ in 0..<2 { try await killOperator(after: Int.random(in: 500...6000, using: &random), during: "bootstrap") }
        try #require(await Eventually.check(within: 240) { fixture.isHealthy }, "kills: \(kills) status: \(fixture.status)")
        #expect(instances() == ["cluster-example-1", "cluster-example-2", "cluster-example-3"], "no instance created twice: \(instances())")
        let claims = (try? sandbox.kubectl(["get", "pvc", "-o", "jsonpath={.items[*].metadata.name}"]).output) ?? ""
        #expect(claims.split(separator: " ").count == 3, "\(claims)")

        let started = ContinuousClock.now
        let writer = try await Self.startWrites(sandbox, binaries: binaries, host: fixture.readWrite, password: fixture.password)

        // Failover: the primary's processes killed, then the operator at a random moment of the failover.
        let lost = fixture.currentPrimary
        kill(try fixture.containerProcess(of: lost), SIGKILL)
        try await killOperator(after: Int.random(in: 0...3000, using: &random), during: "failover")
        try #require(await fixture.failedOver(from: lost, within: 90), "kills: \(kills) status: \(fixture.status)")
        try #require(await Eventually.check(within: 180) { fixture.isHealthy }, "kills: \(kills) status: \(fixture.status)")
        let afterFailover = try fixture.instancesRunningAsPrimary()
        #expect(afterFailover == [fixture.currentPrimary], "exactly one primary: \(afterFailover)")

        // Switchover: kubectl cnpg promote, then the operator killed at a random moment of it. The
        // plugin refuses an instance not yet reported as a replica (the former primary may still be
        // rejoining although the cluster already reads healthy): it is asked again until it accepts.
        let target = ["cluster-example-1", "cluster-example-2", "cluster-example-3"].first { $0 != fixture.currentPrimary }!
        var refusal = ""
        let accepted = await Eventually.check(within: 90) {
            let promoted = try? BuiltProducts.run("kubectl-cnpg", ["promote", "cluster-example", target, "--kubeconfig", sandbox.kubeconfig])
            refusal = promoted?.error ?? "not run"
            return promoted?.status == 0
        }
        #expect(accepted, "\(refusal)")
        try await killOperator(after: Int.random(in: 0...3000, using: &random), during: "switchover")
        try #require(
            await Eventually.check(within: 180) { fixture.currentPrimary == target && fixture.isHealthy },
            "kills: \(kills) status: \(fixture.status)")
        let afterSwitchover = try fixture.instancesRunningAsPrimary()
        #expect(afterSwitchover == [target], "exactly one primary: \(afterSwitchover)")
        #expect(instances().count == 3)

        try await Self.finishWrites(
            writer, since: started, scenario: "operator killed at \(kills.joined(separator: ", "))", binaries: binaries,
            host: fixture.readWrite, password: fixture.password)
    }
}
