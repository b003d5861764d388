import AsyncHTTPClient
import CNPGCore
import Foundation
import NIOCore
import NIOSSL

/// Asks the other instances (`status.instancesReportedState`) whether they answer and whether
/// they reach the API server: `GET /failsafe` on their status port, TLS 1.3 trusting the
/// cluster's server CA when the port uses TLS, one second each (CNPG's isolation check defaults).
struct IsolationProbe: Sendable {
    static let apiServerHeader = "cnpg-api-server-reachable"

    let podName: String
    let statusPort: Int
    let serverCAFile: String?
    let timeout: TimeAmount = .seconds(1)

    func peers(of cluster: Cluster) async -> [IsolationCheck.Peer] {
        let addresses = (cluster.status?.instancesReportedState ?? [:]).filter { $0.key != podName }.map(\.value.ip).filter { !$0.isEmpty }
        guard !addresses.isEmpty else { return [] }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = timeout
        if let serverCAFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv13
            tls.trustRoots = .file(serverCAFile)
            tls.certificateVerification = .noHostnameVerification
            configuration.tlsConfiguration = tls
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let scheme = serverCAFile == nil ? "http" : "https"
        let peers = await withTaskGroup(of: IsolationCheck.Peer.self) { group in
            for address in addresses {
                group.addTask {
                    let request = HTTPClientRequest(url: "\(scheme)://\(address):\(statusPort)/failsafe")
                    guard let response = try? await http.execute(request, timeout: timeout), response.status == .ok else { return .unreachable }
                    return .reachable(apiServerReachable: response.headers.first(name: Self.apiServerHeader) == "true")
                }
            }
            return await group.reduce(into: [IsolationCheck.Peer]()) { $0.append($1) }
        }
        try? await http.shutdown()
        return peers
    }
}
