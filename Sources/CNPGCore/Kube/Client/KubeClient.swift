/// A change seen by a watch.
public struct KubeWatchEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
    }
    public var kind: Kind
    public var object: JSONValue
    public var resourceVersion: String? { object["metadata"]?["resourceVersion"]?.stringValue }
}

/// A list result: the items and the resourceVersion to watch from.
public struct KubeList: Sendable, Equatable {
    public var items: [JSONValue]
    public var resourceVersion: String

    public init(items: [JSONValue], resourceVersion: String) {
        self.items = items
        self.resourceVersion = resourceVersion
    }
}

/// The one seam between the operator (and plugin, instance manager) and Kubernetes.
/// Objects travel as `JSONValue`; typed helpers decode them.
public protocol KubeClient: Sendable {
    var defaultNamespace: String { get }
    func get(_ type: ResourceType, namespace: String?, name: String) async throws -> JSONValue
    func list(_ type: ResourceType, namespace: String?, labelSelector: String?, fieldSelector: String?) async throws -> KubeList
    func create(_ type: ResourceType, namespace: String?, _ object: JSONValue) async throws -> JSONValue
    func update(_ type: ResourceType, namespace: String?, _ object: JSONValue, subresource: String?) async throws -> JSONValue
    func patch(
        _ type: ResourceType, namespace: String?, name: String, _ patch: JSONValue, patchType: PatchType,
        subresource: String?, fieldManager: String?
    ) async throws -> JSONValue
    func delete(_ type: ResourceType, namespace: String?, name: String, propagation: DeletionPropagation) async throws
    /// Changes after `resourceVersion`; the stream fails with `KubeAPIError` 410 when that version
    /// is too old (relist, then watch again).
    func watch(
        _ type: ResourceType, namespace: String?, resourceVersion: String?, labelSelector: String?,
        fieldSelector: String?, timeoutSeconds: Int
    ) -> AsyncThrowingStream<KubeWatchEvent, Error>
}

extension KubeClient {
    public func get<T: Decodable>(_ decoded: T.Type, _ type: ResourceType, namespace: String?, name: String) async throws -> T {
        try ObjectCodec.decode(T.self, from: try await get(type, namespace: namespace, name: name))
    }

    public func watch(
        _ type: ResourceType, namespace: String?, resourceVersion: String?, labelSelector: String?,
        timeoutSeconds: Int
    ) -> AsyncThrowingStream<KubeWatchEvent, Error> {
        watch(
            type, namespace: namespace, resourceVersion: resourceVersion, labelSelector: labelSelector, fieldSelector: nil,
            timeoutSeconds: timeoutSeconds)
    }

    public func list(_ type: ResourceType, namespace: String?) async throws -> KubeList {
        try await list(type, namespace: namespace, labelSelector: nil, fieldSelector: nil)
    }

    public func update(_ type: ResourceType, namespace: String?, _ object: JSONValue) async throws -> JSONValue {
        try await update(type, namespace: namespace, object, subresource: nil)
    }

    public func patch(_ type: ResourceType, namespace: String?, name: String, _ patch: JSONValue, patchType: PatchType = .merge) async throws -> JSONValue {
        try await self.patch(type, namespace: namespace, name: name, patch, patchType: patchType, subresource: nil, fieldManager: nil)
    }
}
