import AsyncHTTPClient
import CNPGCore
import Foundation
import NIOCore
import NIOSSL

/// `pods/proxy`: `GET /api/v1/namespaces/NS/pods/[SCHEME:]NAME[:PORT]/proxy/PATH` forwarded to the
/// pod's IP, as kube-apiserver does (the pod's certificate is not verified; `kubectl cnpg status`
/// reads each instance's `/pg/status` this way).
extension SandboxAPI {
    /// Where the API server's own connections to pods come from (and what the `kubernetes` Service's Endpoints list).
    static let apiServerAddress = "127.0.0.1"

    /// `https:cluster-example-1:8000` -> (https, cluster-example-1, 8000).
    static func proxyTarget(_ name: String) -> (scheme: String, pod: String, port: Int?) {
        let parts = name.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 3: return (parts[0], parts[1], Int(parts[2]))
        case 2: return Int(parts[1]) != nil ? ("http", parts[0], Int(parts[1])) : (parts[0], parts[1], nil)
        default: return ("http", name, nil)
        }
    }

    func proxyToPod(namespace: String, name: String, path: String, query: [String: String]) async throws -> APIResponse {
        let target = Self.proxyTarget(name)
        let pod = try store.get(.pods, namespace: namespace, name: target.pod)
        guard let ip = pod["status"]?["podIP"]?.stringValue else {
            throw StatusError(code: 503, reason: "ServiceUnavailable", message: "pod \(target.pod) has no IP address yet")
        }
        let port = target.port ?? Int(pod["spec"]?["containers"]?.arrayValue?.first?["ports"]?.arrayValue?.first?["containerPort"]?.intValue ?? 80)
        // The API server connects from 127.0.0.1 (the `kubernetes` Service's endpoint); a policy
        // that does not admit it drops the connection, which kube-apiserver reports as a timeout.
        let policies = store.list(.networkPolicies, namespace: namespace).items
        guard NetworkPolicyEvaluator.admits(address: Self.apiServerAddress, to: pod, port: port, policies: policies) else {
            throw StatusError(
                code: 503, reason: "ServiceUnavailable",
                message: "error trying to reach service: dial tcp \(ip):\(port): i/o timeout (dropped by a NetworkPolicy)")
        }
        let encodedQuery = query.isEmpty ? "" : "?" + query.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "&")
        var request = HTTPClientRequest(url: "\(target.scheme)://\(ip):\(port)\(path)\(encodedQuery)")
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        request.tlsConfiguration = tls
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: Self.maxBodyBytes)
            return .text(status: Int(response.status.code), String(buffer: body))
        } catch {
            throw StatusError(code: 503, reason: "ServiceUnavailable", message: "error trying to reach service: \(error)")
        }
    }
}
