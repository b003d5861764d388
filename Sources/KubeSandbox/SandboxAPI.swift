import CNPGCore
import Foundation

/// One HTTP request, as the transport hands it over.
public struct APIRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    public var contentType: String?
    public var body: [UInt8]

    public init(method: String, path: String, query: [String: String] = [:], contentType: String? = nil, body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.contentType = contentType
        self.body = body
    }
}

/// What to send back: a JSON document, or a stream of watch events (one JSON object each).
public enum APIResponse: Sendable {
    case json(status: Int, JSONValue)
    case watch(AsyncStream<JSONValue>)

    public var status: Int {
        if case .json(let status, _) = self { return status }
        return 200
    }
}

/// The sandbox API: Kubernetes REST semantics over the object store, independent of HTTP.
public actor SandboxAPI {
    var store: ObjectStore
    let serverAddress: String
    var watchers: [UUID: Watcher] = [:]
    /// CRD schemas by group-resource, for defaulting, pruning and validation of custom resources.
    var crdSchemas: [String: OpenAPISchema] = [:]
    var crdSchemaJSON: [String: JSONValue] = [:]
    /// The last revision delivered to watchers.
    var broadcastRevision: UInt64 = 0
    public static let maxBodyBytes = 3 * 1024 * 1024

    struct Watcher {
        var resource: String
        var namespace: String?
        var labelSelector: SelectorExpression
        var fieldSelector: SelectorExpression
        var continuation: AsyncStream<JSONValue>.Continuation
    }

    public init(serverAddress: String, store: ObjectStore = ObjectStore()) {
        self.serverAddress = serverAddress
        self.store = store
        self.broadcastRevision = store.revision
    }

    public func handle(_ request: APIRequest) -> APIResponse {
        do {
            return try route(request)
        } catch let error as StatusError {
            return .json(status: error.code, error.status)
        } catch {
            return .json(status: 500, StatusError(code: 500, reason: "InternalError", message: "\(error)").status)
        }
    }

    func route(_ request: APIRequest) throws -> APIResponse {
        let path = request.path.hasSuffix("/") && request.path.count > 1 ? String(request.path.dropLast()) : request.path
        switch path {
        case "/version": return .json(status: 200, Discovery.version())
        case "/api": return .json(status: 200, Discovery.coreVersions(serverAddress: serverAddress))
        case "/apis": return .json(status: 200, Discovery.groupList(Array(store.resources.values)))
        case "/openapi/v3": return .json(status: 200, Discovery.openAPIRoot(Array(store.resources.values)))
        case "/healthz", "/readyz", "/livez": return .json(status: 200, .string("ok"))
        default: break
        }
        let resources = Array(store.resources.values)
        if path.hasPrefix("/openapi/v3/") {
            let parts = path.dropFirst("/openapi/v3/".count).split(separator: "/").map(String.init)
            let (group, version) = parts.first == "api" ? ("", parts.last ?? "") : (parts.count > 1 ? parts[1] : "", parts.last ?? "")
            if let document = Discovery.openAPIGroupVersion(resources, group: group, version: version, schemas: crdSchemaJSON) {
                return .json(status: 200, document)
            }
            throw StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        let segments = path.split(separator: "/").map(String.init)
        if segments.count == 2, segments[0] == "api", let list = Discovery.resourceList(resources, group: "", version: segments[1]) {
            return .json(status: 200, list)
        }
        if segments.count == 3, segments[0] == "apis", let list = Discovery.resourceList(resources, group: segments[1], version: segments[2]) {
            return .json(status: 200, list)
        }
        if segments.count == 2, segments[0] == "apis" {
            let groups = Discovery.groupList(resources)
            if case .array(let entries)? = groups["groups"], let entry = entries.first(where: { $0["name"]?.stringValue == segments[1] }) {
                return .json(status: 200, entry.setting("kind", to: .string("APIGroup")).setting("apiVersion", to: .string("v1")))
            }
        }
        let plurals = Set(resources.map(\.plural))
        guard let apiPath = APIPath(path, knownPlurals: plurals) else {
            throw StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        guard let resource = store.resource(apiPath.groupResource), resource.version == apiPath.version else {
            throw StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource (\(request.method.lowercased()) \(apiPath.groupResource))")
        }
        if !resource.namespaced, apiPath.namespace != nil {
            throw StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        if let subresource = apiPath.subresource, subresource != "status" || !resource.hasStatusSubresource {
            throw StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource (\(resource.plural)/\(subresource))")
        }
        return try serve(request, apiPath, resource)
    }

    func serve(_ request: APIRequest, _ path: APIPath, _ resource: ResourceType) throws -> APIResponse {
        let dryRun = request.query["dryRun"] == "All"
        switch (request.method, path.name) {
        case ("GET", let name?):
            return .json(status: 200, try store.get(resource, namespace: path.namespace, name: name))
        case ("GET", nil):
            let labels = try selector(request.query["labelSelector"], field: false)
            let fields = try selector(request.query["fieldSelector"], field: true)
            if request.query["watch"] == "true" || request.query["watch"] == "1" {
                return try watch(resource, namespace: path.namespace, labels: labels, fields: fields, query: request.query)
            }
            let limit = request.query["limit"].flatMap(Int.init)
            let result = store.list(resource, namespace: path.namespace, labelSelector: labels, fieldSelector: fields,
                                    limit: limit, continueAfter: request.query["continue"].flatMap(Self.decodeContinue))
            var metadata: [(String, JSONValue)] = [("resourceVersion", .string(result.resourceVersion))]
            if let token = result.continueToken { metadata.append(("continue", .string(Self.encodeContinue(token)))) }
            return .json(status: 200, .object([("kind", .string(resource.kind + "List")), ("apiVersion", .string(resource.apiVersion)),
                                               ("metadata", .object(metadata)), ("items", .array(result.items))]))
        case ("POST", nil):
            var body = try decodeBody(request)
            body = try admitCustomResource(resource, body)
            if dryRun {
                var scratch = store
                return .json(status: 201, try scratch.create(resource, namespace: path.namespace, body))
            }
            let created = try store.create(resource, namespace: path.namespace, body)
            afterWrite(resource, created)
            return .json(status: 201, created)
        case ("PUT", let name?):
            var body = try decodeBody(request)
            if path.subresource == nil { body = try admitCustomResource(resource, body) }
            if dryRun {
                var scratch = store
                return .json(status: 200, try scratch.update(resource, namespace: path.namespace, name: name, body, subresource: path.subresource))
            }
            let updated = try store.update(resource, namespace: path.namespace, name: name, body, subresource: path.subresource)
            afterWrite(resource, updated)
            return .json(status: 200, updated)
        case ("PATCH", let name?):
            guard let type = request.contentType.flatMap({ PatchType(rawValue: $0.split(separator: ";").first.map(String.init) ?? $0) }) else {
                throw StatusError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
            }
            if type == .strategicMerge, store.resource(resource.groupResource).map({ !BuiltinResources.all.contains($0) }) == true {
                throw StatusError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
            }
            if type == .apply, (request.query["fieldManager"] ?? "").isEmpty {
                throw StatusError(code: 422, reason: "Invalid", message: "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
            }
            let patch = try decodeBody(request)
            let existed = (try? store.get(resource, namespace: path.namespace, name: name)) != nil
            var scratch = store
            var result = try scratch.patch(resource, namespace: path.namespace, name: name, type: type, patch, subresource: path.subresource)
            if path.subresource == nil, crdSchemas[resource.groupResource] != nil {
                let admitted = try admitCustomResource(resource, result)
                scratch = store
                result = existed
                    ? try scratch.update(resource, namespace: path.namespace, name: name, admitted)
                    : try scratch.create(resource, namespace: path.namespace, admitted)
            }
            if !dryRun {
                store = scratch
                afterWrite(resource, result)
            }
            return .json(status: existed ? 200 : 201, result)
        case ("DELETE", let name?):
            var propagation = DeletionPropagation.background
            var preconditionUID: String?
            if !request.body.isEmpty, let options = try? decodeBody(request) {
                if let value = options["propagationPolicy"]?.stringValue, let parsed = DeletionPropagation(rawValue: value) { propagation = parsed }
                if options["orphanDependents"] == .bool(true) { propagation = .orphan }
                preconditionUID = options["preconditions"]?["uid"]?.stringValue
            }
            if let value = request.query["propagationPolicy"], let parsed = DeletionPropagation(rawValue: value) { propagation = parsed }
            if dryRun { return .json(status: 200, try store.get(resource, namespace: path.namespace, name: name)) }
            let result = try store.delete(resource, namespace: path.namespace, name: name, propagation: propagation, preconditionUID: preconditionUID)
            afterWrite(resource, result)
            return .json(status: 200, result)
        default:
            throw StatusError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }

    /// Request bodies: JSON or YAML; protobuf is refused with 415.
    func decodeBody(_ request: APIRequest) throws -> JSONValue {
        guard request.body.count <= Self.maxBodyBytes else {
            throw StatusError(code: 413, reason: "RequestEntityTooLarge", message: "the request body is larger than \(Self.maxBodyBytes) bytes")
        }
        if request.contentType?.contains("protobuf") == true {
            throw StatusError(code: 415, reason: "UnsupportedMediaType", message: "the sandbox accepts JSON and YAML bodies only")
        }
        guard !request.body.isEmpty else { throw StatusError.badRequest("the request body is empty") }
        if let json = try? JSONText.parse(request.body) { return json }
        let text = String(decoding: request.body, as: UTF8.self)
        do {
            guard let document = try YAMLLoader.documents(from: text).first else { throw StatusError.badRequest("the request body is empty") }
            return document.value
        } catch let error as StatusError {
            throw error
        } catch {
            throw StatusError.badRequest("the request body is neither JSON nor YAML: \(error)")
        }
    }

    func selector(_ text: String?, field: Bool) throws -> SelectorExpression {
        guard let text, !text.isEmpty else { return SelectorExpression() }
        do {
            return try SelectorExpression(parsing: text, fieldSelector: field)
        } catch {
            throw StatusError.badRequest("unable to parse requirement: \(error.description)")
        }
    }

    static func encodeContinue(_ token: String) -> String { Data(token.utf8).base64EncodedString() }
    static func decodeContinue(_ token: String) -> String? { Data(base64Encoded: token).flatMap { String(data: $0, encoding: .utf8) } }
}
