import CNPGCore
import Foundation

/// A `KubeClient` for the sandbox's own controllers (kubelet, job, service and volume controllers):
/// the same REST semantics, RBAC and watch streams as HTTP clients get, without the network hop.
struct LoopbackKubeClient: KubeClient {
    let api: SandboxAPI
    let user: UserInfo
    var defaultNamespace: String { "default" }

    init(api: SandboxAPI, user: UserInfo = .admin) {
        self.api = api
        self.user = user
    }

    func send(
        _ method: String, _ path: String, query: [String: String] = [:], body: JSONValue? = nil,
        contentType: String = "application/json"
    ) async throws -> JSONValue {
        var request = APIRequest(
            method: method, path: path, query: query, contentType: contentType,
            body: body.map { Array(JSONText.serialize($0).utf8) } ?? [])
        request.accept = "application/json"
        switch await api.handle(request, user: user) {
        case .json(let status, let value):
            guard (200..<300).contains(status) else { throw KubeAPIError.from(status: status, body: value) }
            return value
        case .watch, .text, .textStream, .exec:
            throw KubeAPIError.transport("unexpected streaming answer to \(method) \(path)")
        }
    }

    func get(_ type: ResourceType, namespace: String?, name: String) async throws -> JSONValue {
        try await send("GET", type.path(namespace: namespace, name: name))
    }

    func list(_ type: ResourceType, namespace: String?, labelSelector: String?, fieldSelector: String?) async throws -> KubeList {
        var query: [String: String] = [:]
        query["labelSelector"] = labelSelector
        query["fieldSelector"] = fieldSelector
        let answer = try await send("GET", type.path(namespace: namespace, name: nil), query: query)
        guard case .array(let items)? = answer["items"] else { return KubeList(items: [], resourceVersion: "") }
        return KubeList(items: items, resourceVersion: answer["metadata"]?["resourceVersion"]?.stringValue ?? "")
    }

    func create(_ type: ResourceType, namespace: String?, _ object: JSONValue) async throws -> JSONValue {
        try await send("POST", type.path(namespace: namespace, name: nil), body: object)
    }

    func update(_ type: ResourceType, namespace: String?, _ object: JSONValue, subresource: String?) async throws -> JSONValue {
        guard let name = object["metadata"]?["name"]?.stringValue else { throw KubeAPIError.transport("update needs metadata.name") }
        return try await send("PUT", type.path(namespace: namespace, name: name, subresource: subresource), body: object)
    }

    func patch(
        _ type: ResourceType, namespace: String?, name: String, _ patch: JSONValue, patchType: PatchType,
        subresource: String?, fieldManager: String?
    ) async throws -> JSONValue {
        var query: [String: String] = [:]
        query["fieldManager"] = fieldManager
        return try await send(
            "PATCH", type.path(namespace: namespace, name: name, subresource: subresource), query: query,
            body: patch, contentType: patchType.rawValue)
    }

    func delete(_ type: ResourceType, namespace: String?, name: String, propagation: DeletionPropagation) async throws {
        _ = try await send(
            "DELETE", type.path(namespace: namespace, name: name),
            body: .object([("kind", .string("DeleteOptions")), ("apiVersion", .string("v1")), ("propagationPolicy", .string(propagation.rawValue))]))
    }

    /// The kubelet's last word on a pod: removes it from the store once its containers have stopped.
    func deleteNow(_ type: ResourceType, namespace: String, name: String, uid: String) async throws {
        _ = try await send(
            "DELETE", type.path(namespace: namespace, name: name),
            body: .object([
                ("kind", .string("DeleteOptions")), ("apiVersion", .string("v1")), ("gracePeriodSeconds", .int(0)),
                ("preconditions", .object([("uid", .string(uid))])),
            ]))
    }

    func watch(
        _ type: ResourceType, namespace: String?, resourceVersion: String?, labelSelector: String?,
        fieldSelector: String?, timeoutSeconds: Int
    ) -> AsyncThrowingStream<KubeWatchEvent, Error> {
        var query: [String: String] = ["watch": "true", "allowWatchBookmarks": "true", "timeoutSeconds": String(timeoutSeconds)]
        query["resourceVersion"] = resourceVersion
        query["labelSelector"] = labelSelector
        query["fieldSelector"] = fieldSelector
        let request = APIRequest(method: "GET", path: type.path(namespace: namespace, name: nil), query: query)
        let api = self.api
        let user = self.user
        return AsyncThrowingStream { continuation in
            let task = Task {
                switch await api.handle(request, user: user) {
                case .watch(let stream):
                    do {
                        for await event in stream { try HTTPKubeClient.deliver(event, to: continuation) }
                        continuation.finish()
                    } catch {
                        continuation.finish(throwing: error)
                    }
                case .json(let status, let body):
                    continuation.finish(throwing: KubeAPIError.from(status: status, body: body))
                case .text, .textStream, .exec:
                    continuation.finish(throwing: KubeAPIError.transport("unexpected answer to a watch"))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A token for a ServiceAccount bound to `pod`, as the kubelet projects into pods.
    func requestToken(serviceAccount: String, namespace: String, expirationSeconds: Int64, pod: String) async throws -> String {
        let body: JSONValue = .object([
            ("apiVersion", .string("authentication.k8s.io/v1")), ("kind", .string("TokenRequest")),
            (
                "spec",
                .object([
                    ("expirationSeconds", .int(expirationSeconds)),
                    ("boundObjectRef", .object([("kind", .string("Pod")), ("apiVersion", .string("v1")), ("name", .string(pod))])),
                ])
            ),
        ])
        let answer = try await send("POST", ResourceType.serviceAccounts.path(namespace: namespace, name: serviceAccount, subresource: "token"), body: body)
        guard let token = answer["status"]?["token"]?.stringValue else { throw KubeAPIError.transport("the TokenRequest answer has no status.token") }
        return token
    }
}
