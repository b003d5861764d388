import AsyncHTTPClient
import Foundation
import Metrics
import NIOCore
import NIOHTTP1
import NIOSSL

/// `KubeClient` over HTTPS with AsyncHTTPClient. Reads are retried with backoff on 429, 5xx and
/// transport failures; writes are not (conflicts and other errors surface as `KubeAPIError`).
public final class HTTPKubeClient: KubeClient, Sendable {
    public let configuration: KubeClientConfiguration
    let http: HTTPClient
    /// Deadline of a non-watch request.
    public let requestTimeout: TimeAmount
    let maxAttempts = 4

    public var defaultNamespace: String { configuration.namespace }

    /// `failFast`: a refused connection fails the request at once (then the retries below apply)
    /// instead of AsyncHTTPClient retrying it until the connect timeout; for command-line tools.
    public init(configuration: KubeClientConfiguration, requestTimeout: TimeAmount = .seconds(30), failFast: Bool = false) throws {
        self.configuration = configuration
        self.requestTimeout = requestTimeout
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = configuration.certificateAuthorityPEM {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.utf8)))
        }
        if configuration.insecureSkipTLSVerify { tls.certificateVerification = .none }
        if case .clientCertificate(let certificate, let key) = configuration.credentials {
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.utf8)).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
        }
        var httpConfiguration = HTTPClient.Configuration(tlsConfiguration: tls)
        httpConfiguration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5))
        // Over HTTP/1.1 every open watch holds a connection of its own (an operator watches a
        // dozen types), and requests must still find one free.
        httpConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        if failFast { httpConfiguration.connectionPool.retryConnectionEstablishment = false }
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
    }

    /// Closes connections; call before dropping the client.
    public func shutdown() async throws { try await http.shutdown() }

    // MARK: KubeClient

    public func get(_ type: ResourceType, namespace: String?, name: String) async throws -> JSONValue {
        try await send("GET", path(type, namespace, name), retry: true)
    }

    public func list(_ type: ResourceType, namespace: String?, labelSelector: String?, fieldSelector: String?) async throws -> KubeList {
        var items: [JSONValue] = []
        var continueToken: String?
        var resourceVersion = ""
        repeat {
            var query: [(String, String)] = [("limit", "500")]
            if let labelSelector { query.append(("labelSelector", labelSelector)) }
            if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
            if let continueToken { query.append(("continue", continueToken)) }
            let page = try await send("GET", path(type, namespace, nil), query: query, retry: true)
            if case .array(let pageItems)? = page["items"] { items += pageItems }
            resourceVersion = page["metadata"]?["resourceVersion"]?.stringValue ?? resourceVersion
            continueToken = page["metadata"]?["continue"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        } while continueToken != nil
        return KubeList(items: items, resourceVersion: resourceVersion)
    }

    public func create(_ type: ResourceType, namespace: String?, _ object: JSONValue) async throws -> JSONValue {
        try await send("POST", path(type, namespace, nil), body: object)
    }

    public func update(_ type: ResourceType, namespace: String?, _ object: JSONValue, subresource: String?) async throws -> JSONValue {
        guard let name = object["metadata"]?["name"]?.stringValue else { throw KubeAPIError.transport("update needs metadata.name") }
        return try await send("PUT", path(type, namespace, name, subresource), body: object)
    }

    public func patch(
        _ type: ResourceType, namespace: String?, name: String, _ patch: JSONValue, patchType: PatchType,
        subresource: String?, fieldManager: String?
    ) async throws -> JSONValue {
        var query: [(String, String)] = []
        if let fieldManager { query.append(("fieldManager", fieldManager)) }
        return try await send("PATCH", path(type, namespace, name, subresource), query: query, body: patch, contentType: patchType.rawValue)
    }

    public func delete(_ type: ResourceType, namespace: String?, name: String, propagation: DeletionPropagation) async throws {
        _ = try await send(
            "DELETE", path(type, namespace, name),
            body: .object([("kind", .string("DeleteOptions")), ("apiVersion", .string("v1")), ("propagationPolicy", .string(propagation.rawValue))]))
    }

    public func watch(
        _ type: ResourceType, namespace: String?, resourceVersion: String?, labelSelector: String?,
        fieldSelector: String?, timeoutSeconds: Int
    ) -> AsyncThrowingStream<KubeWatchEvent, Error> {
        var query: [(String, String)] = [("watch", "true"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", String(timeoutSeconds))]
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        let url = self.url(path(type, namespace, nil), query)
        let deadline = TimeAmount.seconds(Int64(timeoutSeconds) + 30)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await streamLines(url, timeout: deadline, countedAs: "WATCH") { line in
                        if !line.isEmpty { try Self.deliver(try JSONText.parse(line), to: continuation) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// GETs `url` and hands `line` each line of the streamed body, without its newline (a last
    /// line without one too), until the body ends: watches and followed logs.
    func streamLines(_ url: String, timeout: TimeAmount, countedAs method: String, _ line: ([UInt8]) throws -> Void) async throws {
        let response = try await http.execute(try request("GET", url), timeout: timeout)
        Self.countRequest(method: method, code: String(response.status.code))
        guard response.status == .ok else {
            let body = try? await response.body.collect(upTo: 1 << 20)
            throw KubeAPIError.from(status: Int(response.status.code), body: body.flatMap { try? JSONText.parse(Array(buffer: $0)) })
        }
        var pending: [UInt8] = []
        for try await chunk in response.body {
            pending += Array(buffer: chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let bytes = Array(pending[..<newline])
                pending.removeFirst(newline + 1)
                try line(bytes)
            }
        }
        if !pending.isEmpty { try line(pending) }
    }

    public static func deliver(_ event: JSONValue, to continuation: AsyncThrowingStream<KubeWatchEvent, Error>.Continuation) throws {
        let type = event["type"]?.stringValue ?? ""
        if type == "ERROR" {
            let status = event["object"]
            let code: Int
            if case .int(let value)? = status?["code"] { code = Int(value) } else { code = 500 }
            throw KubeAPIError.from(status: code, body: status)
        }
        guard let kind = KubeWatchEvent.Kind(rawValue: type), let object = event["object"] else {
            throw KubeAPIError.transport("unexpected watch event \(type)")
        }
        continuation.yield(KubeWatchEvent(kind: kind, object: object))
    }

    /// A bound token for a ServiceAccount (TokenRequest), as the kubelet projects into pods.
    /// A GET of any API path whose answer is JSON (`pods/NAME/proxy/...` included).
    public func getJSON(path: String) async throws -> JSONValue {
        try await send("GET", path)
    }

    public func requestToken(serviceAccount: String, namespace: String, expirationSeconds: Int = 3600) async throws -> String {
        let body: JSONValue = .object([
            ("apiVersion", .string("authentication.k8s.io/v1")), ("kind", .string("TokenRequest")),
            ("spec", .object([("expirationSeconds", .int(Int64(expirationSeconds)))])),
        ])
        let answer = try await send("POST", path(.serviceAccounts, namespace, serviceAccount, "token"), body: body)
        guard let token = answer["status"]?["token"]?.stringValue else {
            throw KubeAPIError.transport("the TokenRequest answer has no status.token")
        }
        return token
    }

    // MARK: plumbing

    func path(_ type: ResourceType, _ namespace: String?, _ name: String?, _ subresource: String? = nil) -> String {
        type.path(namespace: namespace, name: name, subresource: subresource)
    }

    func url(_ path: String, _ query: [(String, String)]) -> String {
        var url = configuration.server.hasSuffix("/") ? String(configuration.server.dropLast()) : configuration.server
        url += path
        if !query.isEmpty { url += "?" + query.map { "\($0.0)=\(Self.escape($0.1))" }.joined(separator: "&") }
        return url
    }

    public static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    func request(_ method: String, _ url: String, body: JSONValue? = nil, contentType: String = "application/json") throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "cnpg-swift/\(CNPG.operatorVersion)")
        switch configuration.credentials {
        case .token(let token):
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        case .tokenFile(let file):
            let token = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        case .clientCertificate, .none:
            break
        }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: JSONText.serialize(body)))
        }
        return request
    }

    func send(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        contentType: String = "application/json", retry: Bool = false
    ) async throws -> JSONValue {
        let url = self.url(path, query)
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await sendOnce(method, url, body: body, contentType: contentType)
            } catch let error as KubeAPIError where retry && error.isRetryable && attempt < maxAttempts {
                try await Task.sleep(for: .milliseconds(100 << (attempt - 1)))
            }
        }
    }

    /// client-go's `rest_client_requests_total{code,method}`: every request to the API server.
    static func countRequest(method: String, code: String) {
        Counter(label: "rest_client_requests_total", dimensions: [("code", code), ("method", method)]).increment()
    }

    func sendOnce(_ method: String, _ url: String, body: JSONValue?, contentType: String) async throws -> JSONValue {
        let response: HTTPClientResponse
        let payload: ByteBuffer
        do {
            response = try await http.execute(try request(method, url, body: body, contentType: contentType), timeout: requestTimeout)
            payload = try await response.body.collect(upTo: 64 << 20)
        } catch let error as KubeAPIError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            Self.countRequest(method: method, code: "<error>")
            if let refused = error as? IOError, refused.errnoCode == ECONNREFUSED {
                throw KubeAPIError.transport(
                    "the connection to the API server was refused (\(method) \(url)): is the server address right and the server running?")
            }
            throw KubeAPIError.transport("\(method) \(url): \(error)")
        }
        Self.countRequest(method: method, code: String(response.status.code))
        let json = try? JSONText.parse(Array(buffer: payload))
        guard (200..<300).contains(Int(response.status.code)) else {
            throw KubeAPIError.from(status: Int(response.status.code), body: json)
        }
        guard let json else { throw KubeAPIError.transport("\(method) \(url): the response is not JSON") }
        return json
    }
}
