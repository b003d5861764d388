import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// What the high-availability end-to-end tests start from: a sandbox with its kubelet, the operator
/// installed with its webhooks, and CNPG's `cluster-example` (3 instances, quorum synchronous
/// replication ANY 1) healthy with both standbys streaming. `tearDown()` (deferred by the test)
/// kills what is still running; `stopOperator()` is the clean stop a test checks.
struct ExampleClusterFixture {
    let sandbox: RunningSandbox
    let controller: OperatorProcess
    let binaries: URL
    let password: String
    /// The address of the `-rw` service.
    let readWrite: String

    static func start(sandboxArguments: [String] = [], operatorEnvironment: [String: String] = [:]) async throws -> ExampleClusterFixture {
        let binaries = try PostgresServer.findBinaries()
        let running = try await OperatorOnSandbox.start(sandboxArguments: sandboxArguments, environment: operatorEnvironment)
        let (sandbox, controller) = (running.sandbox, running.controller)
        let partial = ExampleClusterFixture(sandbox: sandbox, controller: controller, binaries: binaries, password: "", readWrite: "")
        do {
            let applied = try sandbox.kubectl(["apply", "-f", BuiltProducts.samples.appendingPathComponent("cluster-example.yaml").path])
            guard applied.status == 0 else { throw TestFailure("kubectl apply: \(applied.error)") }
            guard await Eventually.check(within: 180, { partial.isHealthy }) else {
                throw TestFailure("cluster-example never became healthy: \(partial.status) operator: \(controller.output.suffix(1500))")
            }
            let fixture = ExampleClusterFixture(
                sandbox: sandbox, controller: controller, binaries: binaries,
                password: sandbox.secretValue("cluster-example-app", "password"),
                readWrite: sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP"))
            let streaming = await Eventually.check(within: 30) {
                (try? PSQL.run(binaries, host: fixture.readWrite, password: fixture.password, "SELECT count(*) FROM pg_stat_replication").output)?
                    .trimmingCharacters(in: .whitespacesAndNewlines) == "2"
            }
            guard streaming else { throw TestFailure("the standbys do not stream from the primary") }
            return fixture
        } catch {
            partial.tearDown()
            throw error
        }
    }

    var status: String { sandbox.jsonpath("cluster/cluster-example", ".status") }
    var currentPrimary: String { sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary") }
    var leaseHolder: String { sandbox.jsonpath("lease/cluster-example", ".spec.holderIdentity") }
    var isHealthy: Bool {
        sandbox.jsonpath("cluster/cluster-example", ".status.readyInstances") == "3"
            && sandbox.jsonpath("cluster/cluster-example", ".status.phase") == "Cluster in healthy state"
    }

    /// The process the sandbox kubelet runs a pod's container under (its processes descend from it).
    func containerProcess(of pod: String) throws -> pid_t {
        guard
            let pid = pid_t(
                sandbox.jsonpath("pod/\(pod)", ".status.containerStatuses[0].containerID")
                    .replacingOccurrences(of: "sandbox://", with: ""))
        else { throw TestFailure("\(pod) has no running container") }
        return pid
    }

    /// Waits until `currentPrimary` names another instance than `former`.
    func failedOver(from former: String, within seconds: Double) async -> Bool {
        await Eventually.check(within: seconds) {
            let current = currentPrimary
            return !current.isEmpty && current != former
        }
    }

    /// The instances whose PostgreSQL is not in recovery, asked directly at each pod's address.
    func instancesRunningAsPrimary() throws -> [String] {
        try (1...3).map { "cluster-example-\($0)" }.filter { pod in
            let ip = sandbox.jsonpath("pod/\(pod)", ".status.podIP")
            return try PSQL.run(binaries, host: ip, password: password, "SELECT pg_is_in_recovery()").output
                .trimmingCharacters(in: .whitespacesAndNewlines) == "f"
        }
    }

    /// Everything a pod's `postgres` container logged, over all its runs (the sandbox kubelet keeps
    /// one file per run: `kubectl logs --previous` shows only the last but one).
    func logsOfEveryRun(of pod: String) -> String {
        let root = sandbox.stateDirectory.appendingPathComponent("kubelet/logs")
        let pods = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter { $0.hasPrefix("default_\(pod)_") }
        return pods.flatMap { directory -> [String] in
            let container = root.appendingPathComponent(directory).appendingPathComponent("postgres")
            let runs = ((try? FileManager.default.contentsOfDirectory(atPath: container.path)) ?? []).sorted()
            return runs.compactMap { try? String(contentsOf: container.appendingPathComponent($0), encoding: .utf8) }
        }.joined(separator: "\n")
    }

    func stopOperator() async -> ChildProcess.Termination { await controller.stop() }

    func tearDown() {
        controller.killIfRunning()
        _ = sandbox.stop()
    }
}
