import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The API server failing 10 % of requests (500, 429, 409) and dropping half the watches after
/// 2 s, for the operator, the instance managers and kubectl alike: CNPG's `cluster-example` still
/// comes up healthy with its three instances and streaming replicas, and a failover still
/// completes. The seed is printed (`CNPG_FAULT_SEED` replays it).
extension ClusterLifecycleTests {
    @Test("with 10 % of API requests failing and watches dropped, a cluster converges and fails over")
    func convergesThroughAPIFaults() async throws {
        let seed = ProcessInfo.processInfo.environment["CNPG_FAULT_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("e2e API faults: seed \(seed)")
        let binaries = try PostgresServer.findBinaries()
        let sandbox = try RunningSandbox(
            kubelet: true,
            extraArguments: [
                "--address-block", String(Int.random(in: 64...79) * 2), "--faults", "seed=\(seed),error=0.1:500/429/409,drop-watch=0.5:2s",
            ])
        defer { _ = sandbox.stop() }
        // Installing is the test's own doing: each step is retried until the faults let it through, as an installer would.
        func retrying<T>(_ step: String, _ body: () async throws -> T) async throws -> T {
            var lastError: (any Error)?
            for _ in 0..<200 {
                do { return try await body() } catch { lastError = error }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("\(step) never got through the faults: \(String(describing: lastError))")
        }
        let kubeconfig = try await retrying("installing the operator") { try await OperatorInstallation.install(on: sandbox) }
        let port = try FreePort.find()
        try await retrying("installing the webhooks") { try OperatorInstallation.installWebhooks(sandbox, port: port) }
        let controller = try Operator.withWebhooks(
            kubeconfig: kubeconfig, log: sandbox.directory.url.appendingPathComponent("operator.log").path, port: port)
        defer {
            controller.killIfRunning()
        }
        let applied = await Eventually.check(within: 60) {
            (try? sandbox.kubectl(["apply", "-f", BuiltProducts.samples.appendingPathComponent("cluster-example.yaml").path]).status) == 0
        }
        try #require(applied)
        let fixture = {
            ExampleClusterFixture(
                sandbox: sandbox, controller: controller, binaries: binaries,
                password: sandbox.secretValue("cluster-example-app", "password"),
                readWrite: sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP"))
        }
        try #require(await Eventually.check(within: 300) { fixture().isHealthy }, "status: \(fixture().status) \(controller.output.suffix(1500))")
        let streaming = await Eventually.check(within: 60) {
            (try? PSQL.run(binaries, host: fixture().readWrite, password: fixture().password, "SELECT count(*) FROM pg_stat_replication").output)?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "2"
        }
        #expect(streaming, "both standbys stream from the primary")

        var primary = ""
        _ = await Eventually.check(within: 30) {
            primary = fixture().currentPrimary
            return !primary.isEmpty
        }
        var container: pid_t?
        _ = await Eventually.check(within: 30) {
            container = try? fixture().containerProcess(of: primary)
            return container != nil
        }
        kill(try #require(container), SIGKILL)
        #expect(await fixture().failedOver(from: primary, within: 120), "status: \(fixture().status)")
        #expect(await Eventually.check(within: 300) { fixture().isHealthy }, "status: \(fixture().status)")
        var primaries: [String] = []
        let single = await Eventually.check(within: 30) {
            primaries = (try? fixture().instancesRunningAsPrimary()) ?? []
            return primaries.count == 1
        }
        #expect(single, "exactly one primary: \(primaries)")
    }
}
