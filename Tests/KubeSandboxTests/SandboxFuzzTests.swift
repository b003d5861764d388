import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

@testable import KubeSandbox

/// The sandbox API (in process, as its HTTP adapter calls it) answers 10,000 random requests —
/// methods, paths built from real and made-up segments, queries, bodies of damaged JSON, YAML,
/// protobuf-looking bytes and deep nesting — with a Kubernetes status, never a crash and never a
/// 500 (which would mean an unexpected error). Seeded, so a failure can be replayed.
@Suite struct SandboxFuzzTests {
    static let segments = [
        "api", "apis", "v1", "v2", "namespaces", "default", "kube-system", "pods", "secrets", "configmaps", "services",
        "postgresql.cnpg.io", "clusters", "poolers", "apps", "deployments", "status", "scale", "log", "exec", "proxy",
        "token", "x", "..", "%2F", "a:b:c", "https:pod:8000", "", "customresourcedefinitions", "apiextensions.k8s.io",
    ]
    static let contentTypes: [String?] = [
        nil, "application/json", "application/yaml", "application/merge-patch+json", "application/json-patch+json",
        "application/strategic-merge-patch+json", "application/apply-patch+yaml", "application/vnd.kubernetes.protobuf",
        "text/plain",
    ]

    @Test("10,000 random requests each get a status below 500", .timeLimit(.minutes(5)))
    func randomRequests() async throws {
        let api = SandboxAPI(serverAddress: "127.0.0.1:1")
        let crds = try String(contentsOf: BuiltProducts.repositoryRoot.appendingPathComponent("manifests/crds.yaml"), encoding: .utf8)
        for document in try YAMLLoader.documents(from: crds) {
            _ = await api.handle(
                APIRequest(
                    method: "POST", path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", contentType: "application/json",
                    body: Array(JSONText.serialize(document.value).utf8)))
        }
        let sample = Array(
            JSONText.serialize(
                try YAMLLoader.documents(
                    from: String(
                        contentsOf: BuiltProducts.samples.appendingPathComponent("cluster-example.yaml"),
                        encoding: .utf8))[0].value
            ).utf8)
        var rng = SplitMix64(seed: 0xAB5E_12)
        var codes: [Int: Int] = [:]
        for _ in 0..<10_000 {
            let path = "/" + (0..<Int.random(in: 0...7, using: &rng)).map { _ in Self.segments.randomElement(using: &rng)! }.joined(separator: "/")
            var query: [String: String] = [:]
            for key in ["watch", "labelSelector", "fieldSelector", "limit", "continue", "dryRun", "fieldManager", "command", "container"]
            where Bool.random(using: &rng) && Int.random(in: 0..<4, using: &rng) == 0 {
                query[key] = ["true", "1", "a=b", "a!=", "metadata.name=x", "-1", "abc", "All", "", "==", "in (x"].randomElement(using: &rng)!
            }
            var request = APIRequest(
                method: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].randomElement(using: &rng)!, path: path, query: query,
                contentType: Self.contentTypes.randomElement(using: &rng)!)
            request.body =
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: []
                case 1: ByteDamage.corrupt(sample, &rng)
                case 2: Array(String(repeating: "[", count: 2_000).utf8)
                case 3: (0..<Int.random(in: 1...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                default: sample
                }
            // A watch would stream forever: ask for lists instead.
            if request.query["watch"] != nil { request.query["watch"] = "false" }
            let response = await api.handle(request)
            codes[response.status, default: 0] += 1
            #expect(response.status < 500, "\(request.method) \(path) \(query) -> \(response.status)")
            if response.status >= 500 { break }
        }
        #expect(codes.keys.contains { (200..<300).contains($0) } && codes.keys.contains { (400..<500).contains($0) }, "\(codes)")
    }
}
