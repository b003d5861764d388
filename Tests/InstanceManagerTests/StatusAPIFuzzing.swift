import AsyncHTTPClient
import CNPGCore
import CNPGTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// Bounded fuzzing of the instance manager's status API (port 8000, TLS): 10,000 seeded requests
/// with real and made-up paths, methods and bodies (garbage, huge, deeply nested). Each gets an
/// HTTP answer below 500 — or 503 from the operator-only endpoints while no operator certificate is
/// registered — and the server still answers `/pg/status` afterwards.
extension PrimaryAndReplicaTests {
    static let fuzzPaths = [
        "/pg/status", "/pg/controldata", "/healthz", "/readyz", "/startupz", "/failsafe", "/pg/mode/backup", "/update",
        "/pg/archive/partial", "/cache/x", "/", "/pg", "/pg/status/", "/%00", "/../etc/passwd", "/pg/status?x=1",
        "/" + String(repeating: "a", count: 4_000), "/metrics",
    ]

    func fuzzStatusAPI(_ harness: InstanceHarness) async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array((harness.secrets["\(harness.clusterName)-ca"]?["ca.crt"] ?? "").utf8)))
        tls.certificateVerification = .noHostnameVerification
        tls.minimumTLSVersion = .tlsv13
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls))
        defer { _ = client.shutdown() }
        let base = "https://\(harness.address(1)):\(harness.statusPort)"
        var rng = SplitMix64(seed: 0xF422)
        let nested = ByteBuffer(string: String(repeating: "[", count: 50_000))
        var requests: [(String, HTTPMethod, ByteBuffer?)] = []
        for _ in 0..<10_000 {
            let path = Self.fuzzPaths.randomElement(using: &rng)!
            let method: HTTPMethod = [.GET, .POST, .PUT, .DELETE, .PATCH, .HEAD].randomElement(using: &rng)!
            let body: ByteBuffer? =
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: nil
                case 1: ByteBuffer(bytes: (0..<Int.random(in: 1...512, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
                case 2: nested
                default:
                    ByteBuffer(string: #"{"start":true,"force":"yes","label":"\#(String(repeating: "x", count: Int.random(in: 0...2_000, using: &rng)))"}"#)
                }
            requests.append((path, method, body))
        }
        var codes: [UInt: Int] = [:]
        var failures: [String] = []
        for batch in stride(from: 0, to: requests.count, by: 16) {
            let results = await withTaskGroup(of: (String, UInt?).self) { group in
                for (path, method, body) in requests[batch..<min(batch + 16, requests.count)] {
                    group.addTask {
                        var request = HTTPClientRequest(url: base + path)
                        request.method = method
                        if let body { request.body = .bytes(body) }
                        do {
                            let response = try await client.execute(request, timeout: .seconds(10))
                            _ = try? await response.body.collect(upTo: 1 << 20)
                            return ("\(method) \(path)", response.status.code)
                        } catch {
                            return ("\(method) \(path): \(error)", nil)
                        }
                    }
                }
                var collected: [(String, UInt?)] = []
                for await result in group { collected.append(result) }
                return collected
            }
            for (request, code) in results {
                guard let code else {
                    failures.append(request)
                    continue
                }
                codes[code, default: 0] += 1
                let operatorOnly = ["/pg/controldata", "/pg/mode/backup", "/update", "/pg/archive/partial"].contains { request.contains(" \($0)") }
                if code >= 500, !(code == 503 && operatorOnly) { failures.append("\(request) -> \(code)") }
            }
        }
        print("status API fuzzing: \(requests.count) requests, answers by code \(codes.sorted { $0.key < $1.key })")
        #expect(failures.isEmpty, "\(failures.count) requests failed, e.g. \(failures.prefix(5))")
        #expect(codes.keys.contains(200) && codes.keys.contains { (400..<500).contains($0) }, "\(codes)")
        #expect(try harness.statusAPI(1, "/pg/status").status == 200, "the status API still answers after the fuzzing")
    }
}
