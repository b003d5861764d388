import AsyncHTTPClient
import CNPGCore
import Foundation
import NIOCore
import NIOSSL

/// Polls each instance's `/pg/status` over HTTPS (TLS 1.3, the cluster's server CA, no hostname
/// check since pods are reached by IP), with a short timeout so one stuck instance cannot stall
/// a reconcile.
struct InstanceStatusClient: Sendable {
    let http: HTTPClient
    let timeout: TimeAmount

    func poll(_ pods: [JSONValue], caPEM: String?) async -> [String: InstanceStatus] {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv13
        if let caPEM, let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)) {
            tls.trustRoots = .certificates(certificates)
            tls.certificateVerification = .noHostnameVerification
        }
        let configuration = tls
        return await withTaskGroup(of: (String, InstanceStatus?).self) { group in
            for pod in pods {
                guard let name = pod["metadata"]?["name"]?.stringValue, let ip = pod["status"]?["podIP"]?.stringValue else { continue }
                group.addTask { (name, await fetch(ip: ip, tls: configuration)) }
            }
            var reports: [String: InstanceStatus] = [:]
            for await (name, report) in group { if let report { reports[name] = report } }
            return reports
        }
    }

    func fetch(ip: String, tls: TLSConfiguration) async -> InstanceStatus? {
        var request = HTTPClientRequest(url: "https://\(ip):\(InstancePodBuilder.statusPort)/pg/status")
        request.tlsConfiguration = tls
        do {
            let response = try await http.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { return nil }
            return try JSONDecoder().decode(InstanceStatus.self, from: Data(body.readableBytesView))
        } catch {
            return nil
        }
    }
}
