import CNPGCore
import CNPGTestSupport
import Foundation

/// Operator memory when the cluster holds many Secrets and ConfigMaps that are none of its
/// business: its informers select `cnpg.io/cluster`-labelled objects only, so resident memory
/// should not follow them. A few Clusters on the sandbox without a kubelet; RSS once they
/// settled, then again after `count` unrelated Secrets and as many ConfigMaps (1 KiB each) exist.
struct UnrelatedObjectsBenchmark: Sendable {
    struct Result {
        var baselineMiB: Double
        var withUnrelatedMiB: Double
    }

    let clusters: Int
    let count: Int
    let log: @Sendable (String) -> Void
    static let settle: Duration = .seconds(30)

    func run() async throws -> Result {
        try await OperatorWithoutKubelet.with { try await measure(sandbox: $0.sandbox, controller: $0.controller, admin: $0.admin) }
    }

    private func measure(sandbox: RunningSandbox, controller: OperatorProcess, admin: HTTPKubeClient) async throws -> Result {

        for index in 0..<clusters {
            _ = try await admin.create(.clusters, namespace: "default", .object([
                ("apiVersion", .string("postgresql.cnpg.io/v1")), ("kind", .string("Cluster")),
                ("metadata", .object([("name", .string("owned-\(index)")), ("namespace", .string("default"))])),
                ("spec", .object([("instances", .int(3)), ("storage", .object([("size", .string("1Gi"))]))])),
            ]))
        }
        try await Task.sleep(for: Self.settle)
        guard let baseline = ProcessMemory.usage(of: controller.process.pid)?.residentMiB else {
            throw BenchmarkFailure(description: "the operator is not running: \(controller.output.suffix(1500))")
        }
        log("unrelated: operator RSS \(String(format: "%.1f", baseline)) MiB with \(clusters) Clusters")

        let payload = String(repeating: "x", count: 1024)
        let started = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in stride(from: 0, to: count, by: 100) {
                for index in batch..<min(batch + 100, count) {
                    group.addTask {
                        _ = try await admin.create(.secrets, namespace: "default", .object([
                            ("apiVersion", .string("v1")), ("kind", .string("Secret")),
                            ("metadata", .object([("name", .string("unrelated-\(index)"))])),
                            ("stringData", .object([("payload", .string(payload))])),
                        ]))
                        _ = try await admin.create(.configMaps, namespace: "default", .object([
                            ("apiVersion", .string("v1")), ("kind", .string("ConfigMap")),
                            ("metadata", .object([("name", .string("unrelated-\(index)"))])),
                            ("data", .object([("payload", .string(payload))])),
                        ]))
                    }
                }
                try await group.waitForAll()
            }
        }
        log("unrelated: \(count) Secrets and \(count) ConfigMaps created in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        try await Task.sleep(for: Self.settle)
        guard let loaded = ProcessMemory.usage(of: controller.process.pid)?.residentMiB else {
            throw BenchmarkFailure(description: "the operator stopped: \(controller.output.suffix(1500))")
        }
        log("unrelated: operator RSS \(String(format: "%.1f", loaded)) MiB with them")
        return Result(baselineMiB: baseline, withUnrelatedMiB: loaded)
    }
}
