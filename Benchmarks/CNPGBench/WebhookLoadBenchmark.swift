import AsyncHTTPClient
import CNPGCore
import CNPGTestSupport
import Foundation
import NIOCore
import NIOSSL

/// Open-loop load on the operator's admission webhook: AdmissionReviews for CNPG's
/// `cluster-example`, alternating the mutating and the validating hook, sent at a fixed rate over
/// TLS 1.3 (the server verified against the operator's CA) the way the API server calls it.
/// Latency is measured by the client from sending to the complete answer; client and operator
/// share the machine's two cores.
struct WebhookLoadBenchmark: Sendable {
    struct Result {
        var latenciesMilliseconds: [Double]
        var errors: Int
        var sent: Int
        var operatorIdleMiB: Double
        var operatorLoadedMiB: Double
    }

    let rate: Int
    let seconds: Int
    let log: @Sendable (String) -> Void

    func run() async throws -> Result {
        let sandbox = try RunningSandbox(kubelet: false)
        defer { _ = sandbox.stop() }
        let controller = try await OperatorProcess.installedWithWebhooks(on: sandbox)
        defer { controller.process.signal(SIGKILL); _ = controller.process.poll() }
        guard let port = controller.webhookPort else { throw BenchmarkFailure(description: "the operator serves no webhook port") }
        try await Task.sleep(for: .seconds(3))
        let idle = ProcessMemory.usage(of: controller.process.pid)?.residentMiB ?? .nan

        // The certificate names the webhook Service; the operator is reached on loopback here.
        let tls = try TLSConfiguration.clientTrusting(caPEM: sandbox.secretValue("cnpg-ca-secret", #"ca\.crt"#, namespace: "cnpg-system"))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(5))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await load(client, port: port, controller: controller, idle: idle)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func load(_ client: HTTPClient, port: Int, controller: OperatorProcess, idle: Double) async throws -> Result {
        let cluster = try YAMLLoader.documents(from: String(contentsOf: BuiltProducts.samples.appendingPathComponent("cluster-example.yaml"),
                                                      encoding: .utf8))[0].value
        let bodies = ["mutate", "validate"].map { action -> (String, ByteBuffer) in
            let review: JSONValue = .object([
                ("apiVersion", .string("admission.k8s.io/v1")), ("kind", .string("AdmissionReview")),
                ("request", .object([("uid", .string(UUID().uuidString)), ("operation", .string("CREATE")),
                                     ("kind", .object([("group", .string("postgresql.cnpg.io")), ("version", .string("v1")), ("kind", .string("Cluster"))])),
                                     ("namespace", .string("default")), ("object", cluster)]))])
            return ("https://127.0.0.1:\(port)/\(action)-postgresql-cnpg-io-v1-cluster", ByteBuffer(string: JSONText.serialize(review)))
        }

        // Warm the connections so the figures are the steady state, not the TLS handshakes.
        for index in 0..<20 { _ = try? await send(client, bodies[index % 2]) }
        let total = rate * seconds
        let interval = Duration.nanoseconds(1_000_000_000 / Int64(rate))
        let start = ContinuousClock.now
        var loadedMiB = idle
        let outcomes = await withTaskGroup(of: Double?.self) { group -> [Double?] in
            for index in 0..<total {
                try? await Task.sleep(until: start + interval * index, clock: .continuous)
                let body = bodies[index % 2]
                group.addTask { try? await send(client, body) }
                if index % (rate * 5) == 0 { loadedMiB = max(loadedMiB, ProcessMemory.usage(of: controller.process.pid)?.residentMiB ?? 0) }
            }
            var collected: [Double?] = []
            for await outcome in group { collected.append(outcome) }
            return collected
        }
        loadedMiB = max(loadedMiB, ProcessMemory.usage(of: controller.process.pid)?.residentMiB ?? 0)
        let latencies = outcomes.compactMap { $0 }
        log("webhook: \(latencies.count) of \(total) reviews answered in \(String(format: "%.1f", (ContinuousClock.now - start).secondsValue)) s")
        return Result(latenciesMilliseconds: latencies, errors: total - latencies.count, sent: total,
                      operatorIdleMiB: idle, operatorLoadedMiB: loadedMiB)
    }

    /// The round trip of one review in milliseconds; throws unless it is an allowed answer.
    func send(_ client: HTTPClient, _ target: (String, ByteBuffer)) async throws -> Double {
        var request = HTTPClientRequest(url: target.0)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(target.1)
        let began = ContinuousClock.now
        let response = try await client.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        let elapsed = (ContinuousClock.now - began).secondsValue * 1000
        guard response.status == .ok, let answer = try? JSONText.parse(String(buffer: body)),
              answer["response"]?["allowed"] == .bool(true) else { throw BenchmarkFailure(description: "review refused: \(response.status)") }
        return elapsed
    }
}
