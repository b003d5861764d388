import CNPGCore
import CNPGTestSupport
import Foundation

/// Many Clusters on the sandbox API server without a kubelet (`--no-kubelet`: pods stay Pending,
/// as on a cluster with no room): how long until the operator has created every object of every
/// Cluster, what it costs in memory, and how many API writes it makes once nothing changes.
struct ReconcileScaleBenchmark: Sendable {
    struct Result {
        var clusters: Int
        var objectsPerCluster: Int
        var convergenceSeconds: Double
        var operatorPeakMiB: Double
        var operatorSteadyMiB: Double
        var steadyStateWrites: Int
        var steadyStateRequests: Int
        var steadySeconds: Int
    }

    let clusters: Int
    let steadySeconds: Int
    let log: @Sendable (String) -> Void

    static let operatorUser = "system:serviceaccount:cnpg-system:cnpg-manager"

    func run() async throws -> Result {
        try await OperatorWithoutKubelet.with { try await measure(sandbox: $0.sandbox, controller: $0.controller, admin: $0.admin) }
    }

    private func measure(sandbox: RunningSandbox, controller: OperatorProcess, admin: HTTPKubeClient) async throws -> Result {

        // One Cluster first: the objects the operator makes for it, once they stop changing.
        try await create(admin, name: "scale-0")
        var perCluster = 0
        var stableSince = Date()
        let calibrationDeadline = Date().addingTimeInterval(120)
        while Date() < calibrationDeadline {
            let count = try await ownedObjects(admin)["scale-0"] ?? 0
            if count != perCluster { (perCluster, stableSince) = (count, Date()) }
            if perCluster > 0, Date().timeIntervalSince(stableSince) > 10 { break }
            try await Task.sleep(for: .seconds(1))
        }
        guard perCluster > 0 else { throw BenchmarkFailure(description: "the operator created nothing for one Cluster: \(controller.output.suffix(1500))") }
        log("scale: the operator creates \(perCluster) objects per Cluster without a kubelet")

        let started = Date()
        var peak = 0.0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in stride(from: 1, to: clusters, by: 50) {
                for index in batch..<min(batch + 50, clusters) { group.addTask { try await create(admin, name: "scale-\(index)") } }
                try await group.waitForAll()
            }
        }
        log("scale: \(clusters) Clusters created in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        let deadline = started.addingTimeInterval(1800)
        var converged = false
        while Date() < deadline {
            peak = max(peak, ProcessMemory.usage(of: controller.process.pid)?.peakMiB ?? 0)
            let counts = try await ownedObjects(admin)
            let complete = counts.values.filter { $0 >= perCluster }.count
            if complete == clusters { converged = true; break }
            try await Task.sleep(for: .seconds(2))
        }
        guard converged else { throw BenchmarkFailure(description: "the operator did not converge within 30 minutes: \(controller.output.suffix(1500))") }
        let convergence = Date().timeIntervalSince(started)
        log("scale: every object of \(clusters) Clusters exists after \(String(format: "%.1f", convergence)) s")

        // Steady state: let in-flight status updates settle, then count the operator's requests.
        try await Task.sleep(for: .seconds(30))
        let auditPath = sandbox.stateDirectory.appendingPathComponent("audit.jsonl").path
        let before = try auditLines(auditPath).count
        try await Task.sleep(for: .seconds(Double(steadySeconds)))
        let steady = try auditLines(auditPath).dropFirst(before).filter { $0.contains("\"user\":\"\(Self.operatorUser)\"") }
        let writes = steady.filter { line in ["create", "update", "patch", "delete", "deletecollection"].contains { line.contains("\"verb\":\"\($0)\"") } }
        let usage = ProcessMemory.usage(of: controller.process.pid)
        log("scale: \(writes.count) writes and \(steady.count) requests by the operator in \(steadySeconds) s of steady state")
        return Result(clusters: clusters, objectsPerCluster: perCluster, convergenceSeconds: convergence,
                      operatorPeakMiB: max(peak, usage?.peakMiB ?? 0), operatorSteadyMiB: usage?.residentMiB ?? .nan,
                      steadyStateWrites: writes.count, steadyStateRequests: steady.count, steadySeconds: steadySeconds)
    }

    func create(_ client: HTTPKubeClient, name: String) async throws {
        let cluster: JSONValue = .object([
            ("apiVersion", .string("postgresql.cnpg.io/v1")), ("kind", .string("Cluster")),
            ("metadata", .object([("name", .string(name)), ("namespace", .string("default"))])),
            ("spec", .object([("instances", .int(3)), ("storage", .object([("size", .string("1Gi"))]))])),
        ])
        _ = try await client.create(.clusters, namespace: "default", cluster)
    }

    /// How many objects each Cluster owns (ownerReferences to a Cluster), by Cluster name.
    func ownedObjects(_ client: HTTPKubeClient) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for type in BuiltinResources.all where type.namespaced && type.plural != "events" {
            for item in try await client.list(type, namespace: "default").items {
                for owner in item["metadata"]?["ownerReferences"]?.arrayValue ?? [] where owner["kind"]?.stringValue == "Cluster" {
                    if let name = owner["name"]?.stringValue { counts[name, default: 0] += 1 }
                }
            }
        }
        return counts
    }

    func auditLines(_ path: String) throws -> [Substring] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    }
}
