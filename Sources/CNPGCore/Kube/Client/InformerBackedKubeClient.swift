/// A `KubeClient` whose reads of some types come from informers' caches (which the same watches
/// that trigger reconciles keep current) instead of the API server, as controller-runtime's
/// cached client does: a converged cluster then costs its reconciles almost no requests.
/// A read falls through to the API server when no synced informer covers it: another type, a
/// namespace or label selector outside the informer's, a field selector, or an object the cache
/// does not hold (created a moment ago, or without the informer's label, such as a user's secret).
/// Writes always go to the API server.
public struct InformerBackedKubeClient: KubeClient {
    public let base: any KubeClient
    let informers: [String: Informer]

    public init(base: any KubeClient, informers: [Informer]) {
        self.base = base
        self.informers = Dictionary(informers.map { (Self.key($0.type), $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func key(_ type: ResourceType) -> String { "\(type.group)/\(type.plural)" }

    public var defaultNamespace: String { base.defaultNamespace }

    /// The informer that holds every object `namespace` could return, once it has listed them.
    func informer(for type: ResourceType, namespace: String?) async -> Informer? {
        guard let informer = informers[Self.key(type)], await informer.hasSynced else { return nil }
        guard informer.namespace == nil || informer.namespace == namespace else { return nil }
        return informer
    }

    public func get(_ type: ResourceType, namespace: String?, name: String) async throws -> JSONValue {
        if let informer = await informer(for: type, namespace: namespace), let object = await informer.get(namespace: namespace, name: name) {
            return object
        }
        return try await base.get(type, namespace: namespace, name: name)
    }

    public func list(_ type: ResourceType, namespace: String?, labelSelector: String?, fieldSelector: String?) async throws -> KubeList {
        // No label selector asks for every object: only an informer without one holds them all.
        if fieldSelector == nil, let informer = await informer(for: type, namespace: namespace),
            let requested = try? SelectorExpression(parsing: labelSelector ?? ""), Self.selector(requested, implies: informer.labelSelector)
        {
            let items = await informer.items().filter { item in
                (namespace == nil || item["metadata"]?["namespace"]?.stringValue == namespace)
                    && requested.matches(labels: item["metadata"]?["labels"]?.stringMap ?? [:])
            }
            return KubeList(items: items, resourceVersion: "")
        }
        return try await base.list(type, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
    }

    /// Whether every object `requested` selects is also selected by `informerSelector` (so the
    /// informer's cache holds them all): each of the informer's requirements must be one the
    /// request makes too, or an existence the request's value on that key implies.
    public static func selector(_ requested: SelectorExpression, implies informerSelector: String?) -> Bool {
        guard let informerSelector else { return true }
        guard let cached = try? SelectorExpression(parsing: informerSelector) else { return false }
        return cached.requirements.allSatisfy { needed in
            requested.requirements.contains { have in
                guard have.key == needed.key else { return false }
                if have == needed { return true }
                return needed.op == .exists && [.equals, .in, .exists].contains(have.op)
            }
        }
    }

    public func create(_ type: ResourceType, namespace: String?, _ object: JSONValue) async throws -> JSONValue {
        try await base.create(type, namespace: namespace, object)
    }

    public func update(_ type: ResourceType, namespace: String?, _ object: JSONValue, subresource: String?) async throws -> JSONValue {
        try await base.update(type, namespace: namespace, object, subresource: subresource)
    }

    public func patch(
        _ type: ResourceType, namespace: String?, name: String, _ patch: JSONValue, patchType: PatchType,
        subresource: String?, fieldManager: String?
    ) async throws -> JSONValue {
        try await base.patch(type, namespace: namespace, name: name, patch, patchType: patchType, subresource: subresource, fieldManager: fieldManager)
    }

    public func delete(_ type: ResourceType, namespace: String?, name: String, propagation: DeletionPropagation) async throws {
        try await base.delete(type, namespace: namespace, name: name, propagation: propagation)
    }

    public func watch(
        _ type: ResourceType, namespace: String?, resourceVersion: String?, labelSelector: String?,
        fieldSelector: String?, timeoutSeconds: Int
    ) -> AsyncThrowingStream<KubeWatchEvent, Error> {
        base.watch(
            type, namespace: namespace, resourceVersion: resourceVersion, labelSelector: labelSelector,
            fieldSelector: fieldSelector, timeoutSeconds: timeoutSeconds)
    }
}
