import CNPGCore
import Foundation

/// One HTTP request, as the transport hands it over.
public struct APIRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    /// Every value of each query parameter, in order (`pods/exec` repeats `command`).
    public var queryValues: [String: [String]] = [:]
    public var contentType: String?
    public var body: [UInt8]
    /// The Accept header (`as=Table` asks for server-side printing).
    public var accept: String?
    /// Ends a watch early, as a dropped connection would (fault injection).
    public var maximumWatchDuration: Duration?

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
    /// Plain text (`pods/log`), whole or as it is written (`follow=true`).
    case text(status: Int, String)
    case textStream(AsyncStream<String>)
    /// `pods/NAME/exec` checked and resolved; the session needs a WebSocket upgrade.
    case exec(ExecTarget)

    public var status: Int {
        switch self {
        case .json(let status, _), .text(let status, _): return status
        case .watch, .textStream: return 200
        case .exec: return 101
        }
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
    /// Resources with a `/scale` subresource: CRDs that declare one, and Deployments.
    var scaleSubresources: [String: ScalePaths] = [
        "deployments.apps": ScalePaths(specReplicas: ["spec", "replicas"], statusReplicas: ["status", "replicas"], labelSelector: nil)
    ]
    var crdPrinterColumns: [String: [(name: String, type: String, jsonPath: String, priority: Int64)]] = [:]
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

    /// Bearer tokens issued for service accounts: token -> identity and expiry.
    var serviceAccountTokens: [String: (user: UserInfo, expires: Date)] = [:]
    let adminToken: String?
    let clock: @Sendable () -> Date
    var auditSink: (@Sendable (JSONValue) -> Void)?
    /// Container output written by the kubelet, served by `pods/NAME/log`.
    var podLogs: PodLogDirectory?
    /// The kubelet's running containers, for `pods/NAME/exec`.
    var containerProcesses: (any ContainerProcesses)?

    public init(
        serverAddress: String, store: ObjectStore = ObjectStore(), adminToken: String? = nil,
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.serverAddress = serverAddress
        self.adminToken = adminToken
        self.clock = clock
        self.store = store
        self.broadcastRevision = store.revision
    }

    /// Every request is audited: one JSON object with the user, verb, resource and returned code.
    public func setAuditSink(_ sink: @escaping @Sendable (JSONValue) -> Void) { auditSink = sink }

    /// Turns on what a node brings: graceful pod deletion, container logs and exec.
    func attachKubelet(logs: PodLogDirectory, containers: any ContainerProcesses) {
        podLogs = logs
        containerProcesses = containers
        store.gracefulPodDeletion = true
    }

    public func handle(_ request: APIRequest, user: UserInfo = .admin) async -> APIResponse {
        await handleWithWarnings(request, user: user).response
    }

    /// The response and the warnings for `Warning: 299` headers (admission webhooks add them).
    public func handleWithWarnings(_ request: APIRequest, user: UserInfo = .admin) async -> (response: APIResponse, warnings: [String]) {
        var attributes = RequestAttributes(verb: request.method.lowercased(), path: request.path)
        var warnings: [String] = []
        let response: APIResponse
        do {
            response = try await route(request, user: user, attributes: &attributes, warnings: &warnings)
        } catch let error as StatusError {
            response = .json(status: error.code, error.status)
        } catch {
            response = .json(status: 500, StatusError(code: 500, reason: "InternalError", message: "\(error)").status)
        }
        audit(user, attributes, code: response.status)
        return (response, warnings)
    }

    func audit(_ user: UserInfo, _ attributes: RequestAttributes, code: Int) {
        guard let auditSink else { return }
        var entry: [(String, JSONValue)] = [
            ("timestamp", .string(ObjectStore.timestamp(clock()))), ("user", .string(user.name)), ("verb", .string(attributes.verb)),
        ]
        if let path = attributes.path {
            entry.append(("path", .string(path)))
        } else {
            entry += [
                ("group", .string(attributes.group)), ("resource", .string(attributes.resource)),
                ("subresource", attributes.subresource.map(JSONValue.string) ?? .null),
                ("namespace", attributes.namespace.map(JSONValue.string) ?? .null), ("name", attributes.name.map(JSONValue.string) ?? .null),
            ]
        }
        entry.append(("code", .int(Int64(code))))
        auditSink(.object(entry))
    }

    /// The identity behind an `Authorization` header: the admin token or an issued service-account token.
    public func authenticate(_ authorization: String?) -> UserInfo? {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return nil }
        let token = String(authorization.dropFirst("Bearer ".count))
        if let adminToken, token == adminToken { return .admin }
        guard let issued = serviceAccountTokens[token], issued.expires > clock() else { return nil }
        return issued.user
    }

    func route(_ request: APIRequest, user: UserInfo, attributes: inout RequestAttributes, warnings: inout [String]) async throws -> APIResponse {
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
        if segments.count == 2, segments[0] == "api",
            let list = Discovery.resourceList(
                resources, group: "", version: segments[1],
                scalable: Set(scaleSubresources.keys))
        {
            return .json(status: 200, list)
        }
        if segments.count == 3, segments[0] == "apis",
            let list = Discovery.resourceList(
                resources, group: segments[1], version: segments[2],
                scalable: Set(scaleSubresources.keys))
        {
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
            throw StatusError(
                code: 404, reason: "NotFound",
                message: "the server could not find the requested resource (\(request.method.lowercased()) \(apiPath.groupResource))")
        }
        if !resource.namespaced, apiPath.namespace != nil {
            throw StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        attributes = RequestAttributes(
            verb: Self.verb(request, apiPath), group: resource.group, resource: resource.plural,
            subresource: apiPath.subresource, namespace: apiPath.namespace,
            name: apiPath.subresource == "proxy"
                ? apiPath.name.map { Self.proxyTarget($0).pod }
                : apiPath.name ?? Self.singleName(fieldSelector: request.query["fieldSelector"]))
        if resource.group == "authorization.k8s.io", Self.accessReviewResources.contains(resource.plural) {
            return try review(request, resource: resource, user: user)
        }
        let decision = RBACAuthorizer.authorize(user, attributes, in: store)
        guard decision.allowed else { throw StatusError.forbidden(user, attributes) }
        if apiPath.subresource == "token", resource.plural == "serviceaccounts", request.method == "POST", let name = apiPath.name {
            return try issueToken(namespace: apiPath.namespace ?? "default", serviceAccount: name, request: request)
        }
        if apiPath.subresource == "proxy", resource.plural == "pods", request.method == "GET", let name = apiPath.name {
            return try await proxyToPod(namespace: apiPath.namespace ?? "default", name: name, path: apiPath.proxyPath ?? "/", query: request.query)
        }
        if apiPath.subresource == "exec", resource.plural == "pods", ["GET", "POST"].contains(request.method), let name = apiPath.name {
            return try await podExec(namespace: apiPath.namespace ?? "default", name: name, request: request)
        }
        if apiPath.subresource == "log", resource.plural == "pods", request.method == "GET", let name = apiPath.name {
            return try podLog(namespace: apiPath.namespace ?? "default", name: name, request: try PodLogRequest(query: request.query))
        }
        if apiPath.subresource == "scale", let name = apiPath.name, let paths = scaleSubresources[resource.groupResource] {
            return try scaleSubresource(request, apiPath, resource, name: name, paths: paths)
        }
        if let subresource = apiPath.subresource, subresource != "status" || !resource.hasStatusSubresource {
            throw StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource (\(resource.plural)/\(subresource))")
        }
        return try await serve(request, apiPath, resource, user: user, warnings: &warnings)
    }

    func serve(
        _ request: APIRequest, _ path: APIPath, _ resource: ResourceType, user: UserInfo,
        warnings: inout [String]
    ) async throws -> APIResponse {
        let dryRun = request.query["dryRun"] == "All"
        switch (request.method, path.name) {
        case ("GET", let name?):
            let object = try store.get(resource, namespace: path.namespace, name: name)
            if Self.wantsTable(request) {
                return .json(status: 200, table(resource, items: [object], resourceVersion: object["metadata"]?["resourceVersion"]?.stringValue ?? ""))
            }
            return .json(status: 200, object)
        case ("GET", nil):
            let labels = try selector(request.query["labelSelector"], field: false)
            let fields = try selector(request.query["fieldSelector"], field: true)
            if request.query["watch"] == "true" || request.query["watch"] == "1" {
                return try watch(
                    resource, namespace: path.namespace, labels: labels, fields: fields, query: request.query,
                    maximumDuration: request.maximumWatchDuration, asTable: Self.wantsTable(request))
            }
            let limit = request.query["limit"].flatMap(Int.init)
            let result = store.list(
                resource, namespace: path.namespace, labelSelector: labels, fieldSelector: fields,
                limit: limit, continueAfter: request.query["continue"].flatMap(Self.decodeContinue))
            if Self.wantsTable(request) {
                var printed = table(resource, items: result.items, resourceVersion: result.resourceVersion)
                if let token = result.continueToken {
                    printed = printed.setting("metadata", to: (printed["metadata"] ?? .object([])).setting("continue", to: .string(Self.encodeContinue(token))))
                }
                return .json(status: 200, printed)
            }
            var metadata: [(String, JSONValue)] = [("resourceVersion", .string(result.resourceVersion))]
            if let token = result.continueToken { metadata.append(("continue", .string(Self.encodeContinue(token)))) }
            return .json(
                status: 200,
                .object([
                    ("kind", .string(resource.kind + "List")), ("apiVersion", .string(resource.apiVersion)),
                    ("metadata", .object(metadata)), ("items", .array(result.items)),
                ]))
        case ("POST", nil):
            var body = try decodeBody(request)
            body = try admitCustomResource(resource, body)
            if resource.plural == "pods", resource.group.isEmpty { body = PodAdmission.admit(body) }
            body = try await admitThroughWebhooks(
                AdmissionAttributes(
                    operation: "CREATE", resource: resource, subresource: nil, namespace: resource.namespaced ? path.namespace ?? "default" : nil,
                    name: body["metadata"]?["name"]?.stringValue ?? "", object: body, oldObject: nil, dryRun: dryRun, user: user), warnings: &warnings)
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
            body = try await admitThroughWebhooks(
                AdmissionAttributes(
                    operation: "UPDATE", resource: resource, subresource: path.subresource, namespace: resource.namespaced ? path.namespace ?? "default" : nil,
                    name: name, object: body, oldObject: try? store.get(resource, namespace: path.namespace, name: name), dryRun: dryRun, user: user),
                warnings: &warnings)
            if dryRun {
                var scratch = store
                return .json(status: 200, try scratch.update(resource, namespace: path.namespace, name: name, body, subresource: path.subresource))
            }
            let updated = try store.update(resource, namespace: path.namespace, name: name, body, subresource: path.subresource)
            afterWrite(resource, updated)
            return .json(status: 200, updated)
        case ("PATCH", let name?):
            // Strategic merge needs Go struct tags; like the real server, only built-ins accept it.
            guard let type = request.contentType.flatMap({ PatchType(rawValue: $0.split(separator: ";").first.map(String.init) ?? $0) }),
                type != .strategicMerge || BuiltinResources.all.contains(resource)
            else {
                throw StatusError(
                    code: 415, reason: "UnsupportedMediaType",
                    message:
                        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                )
            }
            if type == .apply, (request.query["fieldManager"] ?? "").isEmpty {
                throw StatusError(
                    code: 422, reason: "Invalid", message: "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
                )
            }
            let patch = try decodeBody(request)
            if hasWebhooks(for: resource, subresource: path.subresource) {
                return try await patchThroughWebhooks(resource, path, name: name, type: type, patch, dryRun: dryRun, user: user, warnings: &warnings)
            }
            let existed = (try? store.get(resource, namespace: path.namespace, name: name)) != nil
            var scratch = store
            let result: JSONValue
            if path.subresource == nil, crdSchemas[resource.groupResource] != nil {
                // Custom resources pass admission (prune, default, validate) between the patch and the write.
                if existed || type != .apply {
                    let patched = try store.patched(resource, namespace: path.namespace, name: name, type: type, patch)
                    result = try scratch.update(resource, namespace: path.namespace, name: name, try admitCustomResource(resource, patched))
                } else {
                    result = try scratch.create(resource, namespace: path.namespace, try admitCustomResource(resource, patch))
                }
            } else {
                result = try scratch.patch(resource, namespace: path.namespace, name: name, type: type, patch, subresource: path.subresource)
            }
            if !dryRun {
                store = scratch
                afterWrite(resource, result)
            }
            return .json(status: existed ? 200 : 201, result)
        case ("DELETE", let name?):
            var propagation = DeletionPropagation.background
            var preconditionUID: String?
            var gracePeriodSeconds = request.query["gracePeriodSeconds"].flatMap { Int64($0) }
            if !request.body.isEmpty, let options = try? decodeBody(request) {
                if case .int(let grace)? = options["gracePeriodSeconds"] { gracePeriodSeconds = grace }
                if let value = options["propagationPolicy"]?.stringValue, let parsed = DeletionPropagation(rawValue: value) { propagation = parsed }
                if options["orphanDependents"] == .bool(true) { propagation = .orphan }
                preconditionUID = options["preconditions"]?["uid"]?.stringValue
            }
            if let value = request.query["propagationPolicy"], let parsed = DeletionPropagation(rawValue: value) { propagation = parsed }
            if dryRun { return .json(status: 200, try store.get(resource, namespace: path.namespace, name: name)) }
            let result = try store.delete(
                resource, namespace: path.namespace, name: name, propagation: propagation,
                preconditionUID: preconditionUID, gracePeriodSeconds: gracePeriodSeconds)
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
        if KubernetesProtobuf.isProtobuf(request.contentType) {
            do {
                return try KubernetesProtobuf.decode(request.body)
            } catch let error as KubernetesProtobuf.Unsupported {
                throw StatusError(code: 415, reason: "UnsupportedMediaType", message: error.description)
            } catch {
                throw StatusError.badRequest("the protobuf body cannot be read: \(error)")
            }
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

    /// As kube-apiserver does, a list or watch narrowed by `metadata.name=X` is authorised as a request for X
    /// (so a Role with resourceNames can watch its one object).
    static func singleName(fieldSelector: String?) -> String? {
        guard let selector = fieldSelector, !selector.contains(","), selector.hasPrefix("metadata.name=") else { return nil }
        let name = String(selector.dropFirst("metadata.name=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "="))
        return name.isEmpty ? nil : name
    }

    func selector(_ text: String?, field: Bool) throws -> SelectorExpression {
        guard let text, !text.isEmpty else { return SelectorExpression() }
        do {
            return try SelectorExpression(parsing: text, fieldSelector: field)
        } catch {
            throw StatusError.badRequest("unable to parse requirement: \(error.description)")
        }
    }

    static func verb(_ request: APIRequest, _ path: APIPath) -> String {
        // Since Kubernetes 1.31 a WebSocket GET of exec/attach/portforward needs `create`, as the SPDY POST always did.
        if path.resource == "pods", ["exec", "attach", "portforward"].contains(path.subresource ?? "") { return "create" }
        switch request.method {
        case "GET": return path.name != nil ? "get" : (request.query["watch"] == "true" || request.query["watch"] == "1" ? "watch" : "list")
        case "POST": return "create"
        case "PUT": return "update"
        case "PATCH": return "patch"
        case "DELETE": return path.name != nil ? "delete" : "deletecollection"
        default: return request.method.lowercased()
        }
    }

    /// TokenRequest: a bearer token for a service account, valid for `expirationSeconds` (default 1 h).
    func issueToken(namespace: String, serviceAccount: String, request: APIRequest) throws -> APIResponse {
        let accounts = store.resource("serviceaccounts")!
        _ = try store.get(accounts, namespace: namespace, name: serviceAccount)
        let body = request.body.isEmpty ? JSONValue.object([]) : try decodeBody(request)
        var seconds: Int64 = 3600
        if case .int(let requested)? = body["spec"]?["expirationSeconds"] { seconds = max(600, requested) }
        let token = randomHexToken()
        let expires = clock().addingTimeInterval(TimeInterval(seconds))
        var user = UserInfo.serviceAccount(namespace: namespace, name: serviceAccount)
        if let bound = body["spec"]?["boundObjectRef"], bound["kind"]?.stringValue == "Pod", let pod = bound["name"]?.stringValue {
            user.boundPod = "\(namespace)/\(pod)"
        }
        serviceAccountTokens[token] = (user, expires)
        return .json(
            status: 201,
            .object([
                ("apiVersion", .string("authentication.k8s.io/v1")), ("kind", .string("TokenRequest")),
                ("metadata", .object([("name", .string(serviceAccount)), ("namespace", .string(namespace))])),
                ("spec", .object([("expirationSeconds", .int(seconds))])),
                ("status", .object([("token", .string(token)), ("expirationTimestamp", .string(ObjectStore.timestamp(expires)))])),
            ]))
    }

    static func encodeContinue(_ token: String) -> String { Data(token.utf8).base64EncodedString() }
    static func decodeContinue(_ token: String) -> String? { Data(base64Encoded: token).flatMap { String(data: $0, encoding: .utf8) } }
}
