import CNPGCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The sandbox API server over HTTPS on 127.0.0.1, with its own CA and an admin bearer token,
/// writing `DIR/kubeconfig` once it listens.
public struct SandboxServer: Sendable {
    public var directory: URL
    public var port: Int
    /// How many changes watches can replay; older resourceVersions get 410 Gone.
    public var eventHistory: Int
    public var faults: FaultSpec?
    /// The process kubelet's image map and helper; nil runs the API server alone (`--no-kubelet`).
    public var kubelet: KubeletSettings?

    public struct KubeletSettings: Sendable {
        public var imageMap: ImageMap
        public var helperPath: String
        public var addressBlock: Int
        /// The longest wait before a crashed container restarts (the backoff doubles up to it).
        public var maximumRestartBackoff: Duration?
        /// Persistent volumes are tmpfs mounts of the size their claims request.
        public var limitVolumeCapacity: Bool

        public init(
            imageMap: ImageMap, helperPath: String, addressBlock: Int = 0, maximumRestartBackoff: Duration? = nil,
            limitVolumeCapacity: Bool = false
        ) {
            self.limitVolumeCapacity = limitVolumeCapacity
            self.imageMap = imageMap
            self.helperPath = helperPath
            self.addressBlock = addressBlock
            self.maximumRestartBackoff = maximumRestartBackoff
        }
    }

    public init(directory: URL, port: Int, eventHistory: Int = 50_000, faults: FaultSpec? = nil, kubelet: KubeletSettings? = nil) {
        self.directory = directory
        self.port = port
        self.eventHistory = eventHistory
        self.faults = faults
        self.kubelet = kubelet
    }

    /// Material the server needs: CA, serving certificate (127.0.0.1, localhost) and the admin token.
    struct Credentials {
        var ca: CertificateAuthority
        var serving: TLSKeyPair
        var adminToken: String
    }

    static func makeCredentials(now: Date = Date()) throws -> Credentials {
        let policy = CertificatePolicy(validityDays: 365)
        let ca = try CertificateAuthority.generate(commonName: "kube-sandbox-ca", organizationalUnit: nil, policy: policy, now: now)
        let serving = try ca.issue(
            commonName: "kube-sandbox", dnsNames: ["localhost", "kube-sandbox"], ipAddresses: ["127.0.0.1"],
            usage: .server, policy: policy, now: now)
        let token = randomHexToken()
        return Credentials(ca: ca, serving: serving, adminToken: token)
    }

    /// Runs until SIGTERM or SIGINT.
    public func run(logger: Logger = Logger(label: "kube-sandbox")) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // An exec session writing to a command that already ended must get EPIPE, not end the sandbox.
        signal(SIGPIPE, SIG_IGN)
        let credentials = try Self.makeCredentials()
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(credentials.serving.certificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(credentials.serving.privateKeyPEM.utf8), format: .pem)))
        tls.minimumTLSVersion = .tlsv13
        // Client certificates are optional (tokens work too), but one that is presented must chain to the sandbox CA.
        tls.certificateVerification = .optionalVerification
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(credentials.ca.keyPair.certificatePEM.utf8), format: .pem)])
        let directory = self.directory
        let caPEM = credentials.ca.keyPair.certificatePEM
        let caKeyPEM = credentials.ca.keyPair.privateKeyPEM
        let token = credentials.adminToken
        let api = SandboxAPI(serverAddress: "127.0.0.1:\(port)", store: ObjectStore(logCapacity: eventHistory), adminToken: token)
        let auditLog = try AuditLog(url: directory.appendingPathComponent("audit.jsonl"))
        let (boundPorts, boundPortContinuation) = AsyncStream<Int>.makeStream()
        await api.setAuditSink { entry in auditLog.append(entry) }
        let app = Application(
            responder: SandboxResponder(
                api: api, faults: faults.map(FaultInjector.init(spec:)),
                isolated: IsolatedPods(stateDirectory: directory), logger: logger),
            server: try .tls(
                UpgradeFilteringChannel.builder(
                    configuration: .init(ws: WebSocketServerConfiguration(maxFrameSize: ExecSession.maximumMessageSize)),
                    shouldUpgrade: { head, channel, logger in
                        let user = await ClientCertificateIdentity.requester(api: api, authorization: head.headerFields[.authorization], channel: channel)
                        guard
                            let (chosen, target) = await api.execUpgrade(
                                path: head.path ?? "", user: user,
                                offeredProtocols: head.headerFields[values: .secWebSocketProtocol].joined(separator: ","))
                        else { return .dontUpgrade }
                        return .upgrade([.secWebSocketProtocol: chosen]) { inbound, outbound, _ in
                            try await ExecSession(target: target, logger: logger).run(inbound: inbound, outbound: outbound)
                        }
                    }), tlsConfiguration: tls),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: "kube-sandbox"),
            onServerRunning: { channel in
                let boundPort = channel.localAddress?.port ?? 0
                boundPortContinuation.yield(boundPort)
                boundPortContinuation.finish()
                do {
                    try Kubeconfig.write(
                        to: directory.appendingPathComponent("kubeconfig"), server: "https://127.0.0.1:\(boundPort)",
                        caPEM: caPEM, token: token)
                    try caPEM.write(to: directory.appendingPathComponent("ca.crt"), atomically: true, encoding: .utf8)
                    // As on a kubeadm control plane: the CA key, readable by root only, signs users' client certificates.
                    let keyPath = directory.appendingPathComponent("ca.key").path
                    if !FileManager.default.createFile(atPath: keyPath, contents: Data(caKeyPEM.utf8), attributes: [.posixPermissions: 0o600]) {
                        logger.error("cannot write the CA key", metadata: ["path": "\(keyPath)"])
                    }
                    logger.info(
                        "kube-sandbox listening",
                        metadata: [
                            "address": "https://127.0.0.1:\(boundPort)",
                            "kubeconfig": "\(directory.appendingPathComponent("kubeconfig").path)",
                        ])
                } catch {
                    logger.error("cannot write the kubeconfig: \(error)")
                }
            },
            logger: logger
        )
        let signalSources = WatchShutdown.install(api: api)
        defer { for source in signalSources { source.cancel() } }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: app)]
        if let kubelet {
            var configuration = KubeletConfiguration(
                stateDirectory: directory, imageMap: kubelet.imageMap, helperPath: kubelet.helperPath,
                caPEM: caPEM)
            configuration.addressBlock = kubelet.addressBlock
            configuration.limitVolumeCapacity = kubelet.limitVolumeCapacity
            if let maximum = kubelet.maximumRestartBackoff {
                configuration.maximumBackoff = maximum
                configuration.restartBackoff = min(configuration.restartBackoff, maximum)
            }
            // Last in the group, so first to stop: pods end while the API still serves them.
            services.append(
                .init(
                    service: KubeletService(
                        kubelet: Kubelet(api: api, configuration: configuration, logger: logger),
                        apiServerPorts: boundPorts)))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

/// Runs the kubelet once the API server listens, until the sandbox shuts down.
struct KubeletService: ServiceLifecycle.Service {
    let kubelet: Kubelet
    let apiServerPorts: AsyncStream<Int>

    func run() async throws {
        var port: Int?
        for await bound in apiServerPorts {
            port = bound
            break
        }
        guard let port else { return }
        await cancelWhenGracefulShutdown { await kubelet.run(apiServerPort: port) }
    }
}

/// Adapts HTTP requests to `SandboxAPI`: authentication, body collection, JSON and watch streams.
/// A request's context with its connection, whose TLS session may carry a client certificate.
struct SandboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

struct SandboxResponder: HTTPResponder {
    typealias Context = SandboxRequestContext
    let api: SandboxAPI
    let faults: FaultInjector?
    let isolated: IsolatedPods
    let logger: Logger

    func respond(to request: Request, context: Context) async throws -> Response {
        let anonymous = UserInfo(name: "system:anonymous", groups: ["system:unauthenticated"])
        let user = await ClientCertificateIdentity.requester(api: api, authorization: request.headers[.authorization], channel: context.channel)
        if isolated.contains(user?.boundPod) {
            try? await Task.sleep(for: IsolatedPods.hold)
            return Self.json(
                status: 503,
                StatusError(
                    code: 503, reason: "ServiceUnavailable",
                    message: "kube-sandbox: pod \(user?.boundPod ?? "") is cut off from the API server"
                ).status)
        }
        guard user != nil || request.uri.path == "/version" else {
            await api.audit(anonymous, RequestAttributes(verb: request.method.rawValue.lowercased(), path: request.uri.path), code: 401)
            return Self.json(status: 401, StatusError(code: 401, reason: "Unauthorized", message: "Unauthorized").status)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: SandboxAPI.maxBodyBytes)
        } catch {
            return Self.json(
                status: 413,
                StatusError(
                    code: 413, reason: "RequestEntityTooLarge",
                    message: "the request body is larger than \(SandboxAPI.maxBodyBytes) bytes"
                ).status)
        }
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value).removingPercentEncoding ?? String(value) }
        // Faults spare discovery so clients can always find the API; they hit resource requests.
        let segments = request.uri.path.split(separator: "/")
        let isResourceRequest = (segments.first == "api" && segments.count >= 3) || (segments.first == "apis" && segments.count >= 4)
        let fault = isResourceRequest ? faults?.decide(isWatch: query["watch"] == "true") : nil
        if let delay = fault?.delay { try? await Task.sleep(for: delay) }
        if let code = fault?.errorCode { return Self.json(status: code, FaultInjector.status(for: code).status) }
        var apiRequest = APIRequest(
            method: request.method.rawValue, path: request.uri.path, query: query,
            contentType: request.headers[.contentType], body: Array(buffer: body))
        apiRequest.queryValues = request.uri.query.map { PodExecOptions.parseQuery($0[...]) } ?? [:]
        apiRequest.maximumWatchDuration = fault?.dropWatchAfter
        apiRequest.accept = request.headers[.accept]
        let (answer, warnings) = await api.handleWithWarnings(apiRequest, user: user ?? anonymous)
        switch answer {
        case .json(let status, let value):
            var response = Self.json(status: status, value)
            for warning in warnings {
                let quoted = warning.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                response.headers.append(HTTPField(name: HTTPField.Name("Warning")!, value: "299 - \"\(quoted)\""))
            }
            return response
        case .watch(let stream):
            let boundPod = user?.boundPod
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody { [isolated] writer in
                    for await event in stream {
                        // A pod cut off from the API server stops hearing from its watches too.
                        if isolated.contains(boundPod) { break }
                        try await writer.write(ByteBuffer(string: JSONText.serialize(event) + "\n"))
                    }
                    try await writer.finish(nil)
                })
        case .text(let status, let text):
            return Response(
                status: HTTPResponse.Status(code: status), headers: [.contentType: "text/plain"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        case .exec:
            // Reached only without a WebSocket upgrade: a plain request, or kubectl's SPDY fallback.
            let message = "Upgrade request required: the sandbox serves exec over WebSocket (\(RemoteCommandProtocol.supported.joined(separator: ", "))) only"
            return Self.json(status: 400, StatusError.badRequest(message).status)
        case .textStream(let stream):
            return Response(
                status: .ok, headers: [.contentType: "text/plain"],
                body: ResponseBody { writer in
                    for await chunk in stream { try await writer.write(ByteBuffer(string: chunk)) }
                    try await writer.finish(nil)
                })
        }
    }

    static func json(status: Int, _ value: JSONValue) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: JSONText.serialize(value))))
    }
}

/// Writes a kubeconfig for the sandbox.
public enum Kubeconfig {
    public static func write(to url: URL, server: String, caPEM: String, token: String) throws {
        let document: JSONValue = .object([
            ("apiVersion", .string("v1")), ("kind", .string("Config")),
            (
                "clusters",
                .array([
                    .object([
                        ("name", .string("kube-sandbox")),
                        (
                            "cluster",
                            .object([
                                ("server", .string(server)), ("certificate-authority-data", .string(Data(caPEM.utf8).base64EncodedString())),
                            ])
                        ),
                    ])
                ])
            ),
            ("users", .array([.object([("name", .string("admin")), ("user", .object([("token", .string(token))]))])])),
            (
                "contexts",
                .array([
                    .object([
                        ("name", .string("kube-sandbox")),
                        (
                            "context",
                            .object([
                                ("cluster", .string("kube-sandbox")), ("user", .string("admin")), ("namespace", .string("default")),
                            ])
                        ),
                    ])
                ])
            ),
            ("current-context", .string("kube-sandbox")),
        ])
        let temporary = url.appendingPathExtension("tmp")
        try YAMLWriter.render(document).write(to: temporary, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary.path)
        _ = try? FileManager.default.removeItem(at: url)
        try FileManager.default.moveItem(at: temporary, to: url)
    }
}

/// Appends one JSON line per request to `audit.jsonl`.
final class AuditLog: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()

    init(url: URL) throws {
        if !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
    }

    func append(_ entry: JSONValue) {
        lock.lock()
        defer { lock.unlock() }
        handle.write(Data((JSONText.serialize(entry) + "\n").utf8))
    }
}

/// Ends every open watch as soon as SIGTERM or SIGINT arrives. Graceful shutdown waits for open
/// requests, and a watch is a request that would otherwise stay open until its timeout.
enum WatchShutdown {
    static func install(api: SandboxAPI) -> [DispatchSourceSignal] {
        [SIGTERM, SIGINT].map { signalNumber in
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { Task { await api.endAllWatches() } }
            source.resume()
            return source
        }
    }
}
