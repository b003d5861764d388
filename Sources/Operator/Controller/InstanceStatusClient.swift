import AsyncHTTPClient
import CNPGCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Polls each instance's `/pg/status` over HTTPS (TLS 1.3, the cluster's server CA, no hostname
/// check since pods are reached by IP), with a short timeout so one stuck instance cannot stall
/// a reconcile.
struct InstanceStatusClient: Sendable {
    let http: HTTPClient
    let timeout: TimeAmount
    /// The operator's client certificate (CNPG: generated at start, pinned by the instances
    /// through `status.operatorCertificateFingerprint`), presented on every call.
    let identity: OperatorIdentity
    /// Since when each pod (by UID) has not answered, for the failover grace.
    let silences = InstanceSilences()

    /// The HTTP client for instance calls. A refused connection fails the call at once: by
    /// default AsyncHTTPClient retries connecting until the request's deadline, so a pod whose
    /// manager is restarting (a demoted or crashed primary) would hold a whole reconcile pass,
    /// and with it the -rw switch to the new primary, for the full timeout.
    static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(2)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    struct OperatorIdentity: Sendable {
        let certificate: NIOSSLCertificate
        let key: NIOSSLPrivateKey
        let fingerprint: String

        static func generate(commonName: String) throws -> OperatorIdentity {
            let pair = try OperatorClientCertificate.generate(commonName: commonName, now: Date())
            return OperatorIdentity(
                certificate: try NIOSSLCertificate(bytes: Array(pair.certificatePEM.utf8), format: .pem),
                key: try NIOSSLPrivateKey(bytes: Array(pair.privateKeyPEM.utf8), format: .pem),
                fingerprint: try OperatorClientCertificate.fingerprint(of: pair.certificate))
        }
    }

    func tlsConfiguration(caPEM: String?) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv13
        tls.certificateChain = [.certificate(identity.certificate)]
        tls.privateKey = .privateKey(identity.key)
        if let caPEM, let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)) {
            tls.trustRoots = .certificates(certificates)
            tls.certificateVerification = .noHostnameVerification
        }
        return tls
    }

    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// The instance's `pg_controldata` output (an endpoint only the operator may call).
    func controldata(ip: String, caPEM: String?) async throws -> String {
        let text = try await get("/pg/controldata", ip: ip, tls: tlsConfiguration(caPEM: caPEM))
        guard let data = try JSONText.parse(text)["data"]?.stringValue else { throw Refused(description: "no data in the answer") }
        return data
    }

    /// GET on an instance's status port; the body of a 200, else Refused with the status and body.
    private func get(_ path: String, ip: String, tls: TLSConfiguration) async throws -> String {
        let (status, text) = try await send(.GET, path, ip: ip, tls: tls, body: nil)
        guard status == 200 else { throw Refused(description: "\(status) \(text)") }
        return text
    }

    private func send(_ method: HTTPMethod, _ path: String, ip: String, tls: TLSConfiguration, body: Data?) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: "https://\(ip):\(InstancePodBuilder.statusPort)\(path)")
        request.method = method
        request.tlsConfiguration = tls
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(request, timeout: timeout)
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    /// A call to the instance's `/pg/mode/backup` (GET: the session; POST: start; PUT: stop): the
    /// answer's envelope, whatever its status (CNPG's errors come as envelopes too).
    func onlineBackup(_ method: HTTPMethod, ip: String, caPEM: String?, body: (any Encodable & Sendable)? = nil) async throws -> OnlineBackup.Envelope {
        let data = try body.map { try JSONEncoder().encode($0) }
        let (status, text) = try await send(method, "/pg/mode/backup", ip: ip, tls: tlsConfiguration(caPEM: caPEM), body: data)
        guard let envelope = try? JSONDecoder().decode(OnlineBackup.Envelope.self, from: Data(text.utf8)) else {
            throw Refused(description: "\(status) \(text)")
        }
        return envelope
    }

    /// `PUT /update` with the manager binary at `path`. The instance re-executes the new binary
    /// without answering, so a connection closed after the upload is success; an answer is a refusal.
    func upgradeManager(ip: String, caPEM: String?, binaryPath: String) async throws {
        let binary = FileChunks(path: binaryPath)
        var request = HTTPClientRequest(url: "https://\(ip):\(InstancePodBuilder.statusPort)/update")
        request.method = .PUT
        request.tlsConfiguration = tlsConfiguration(caPEM: caPEM)
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .stream(binary, length: .known(Int64(try binary.size())))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(120))
        } catch let error as HTTPClientError where error == .remoteConnectionClosed {
            return
        } catch NIOSSLError.uncleanShutdown {
            // The process image that held the TLS session is gone: no close_notify.
            return
        }
        let text = String(buffer: (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer())
        throw Refused(description: "\(response.status.code) \(text)")
    }

    func poll(_ pods: [JSONValue], caPEM: String?) async -> [String: InstanceStatus] {
        let configuration = tlsConfiguration(caPEM: caPEM)
        return await withTaskGroup(of: (String, InstanceStatus?).self) { group in
            for pod in pods {
                guard let name = pod["metadata"]?["name"]?.stringValue, let ip = pod["status"]?["podIP"]?.stringValue else { continue }
                let uid = pod["metadata"]?["uid"]?.stringValue ?? name
                group.addTask {
                    let report = await fetch(ip: ip, tls: configuration)
                    silences.record(uid: uid, answered: report != nil)
                    return (name, report)
                }
            }
            var reports: [String: InstanceStatus] = [:]
            for await (name, report) in group { if let report { reports[name] = report } }
            return reports
        }
    }

    func fetch(ip: String, tls: TLSConfiguration) async -> InstanceStatus? {
        guard let text = try? await get("/pg/status", ip: ip, tls: tls) else { return nil }
        return try? JSONDecoder().decode(InstanceStatus.self, from: Data(text.utf8))
    }
}
