import Foundation

/// What an informer tells its handler.
public enum InformerEvent: Sendable, Equatable {
    case added(JSONValue)
    case updated(old: JSONValue, new: JSONValue)
    case deleted(JSONValue)
    /// Periodic re-delivery of a cached object, so missed work is redone.
    case resync(JSONValue)
}

extension InformerEvent {
    /// The object as it is now; nil once deleted.
    public var current: JSONValue? {
        switch self {
        case .added(let object), .resync(let object): return object
        case .updated(_, let object): return object
        case .deleted: return nil
        }
    }

    /// The object before the change (the deleted object for deletions).
    public var previous: JSONValue? {
        switch self {
        case .updated(let old, _): return old
        case .deleted(let object): return object
        case .added, .resync: return nil
        }
    }
}

/// Keeps a cache of one resource type in step with the API server (list, then watch; relist on
/// 410 Gone or a broken stream) and hands every change to a handler, as client-go's informers do.
public actor Informer {
    public let type: ResourceType
    let client: any KubeClient
    public nonisolated let namespace: String?
    public nonisolated let labelSelector: String?
    let resyncPeriod: Duration
    let watchTimeoutSeconds: Int
    var cache: [String: JSONValue] = [:]
    var lastResync = ContinuousClock.now
    public private(set) var relists = 0
    public private(set) var hasSynced = false

    public init(
        client: any KubeClient, type: ResourceType, namespace: String? = nil, labelSelector: String? = nil,
        resyncPeriod: Duration = .seconds(300), watchTimeoutSeconds: Int = 300
    ) {
        self.client = client
        self.type = type
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.resyncPeriod = resyncPeriod
        self.watchTimeoutSeconds = watchTimeoutSeconds
    }

    static func key(_ object: JSONValue) -> String {
        "\(object["metadata"]?["namespace"]?.stringValue ?? "")/\(object["metadata"]?["name"]?.stringValue ?? "")"
    }

    public func get(namespace: String?, name: String) -> JSONValue? { cache["\(namespace ?? "")/\(name)"] }
    public func items() -> [JSONValue] { cache.keys.sorted().map { cache[$0]! } }

    /// Runs until the task is cancelled. Errors other than cancellation are retried with backoff.
    public func run(handler: @escaping @Sendable (InformerEvent) async -> Void) async {
        // A cache kept from an earlier run (a regained leadership) is not trusted until relisted.
        hasSynced = false
        var backoff = Duration.milliseconds(200)
        while !Task.isCancelled {
            do {
                var resourceVersion = try await relist(handler: handler)
                backoff = .milliseconds(200)
                while !Task.isCancelled {
                    let stream = client.watch(
                        type, namespace: namespace, resourceVersion: resourceVersion, labelSelector: labelSelector,
                        timeoutSeconds: watchTimeoutSeconds)
                    for try await event in stream {
                        if let version = event.resourceVersion { resourceVersion = version }
                        await apply(event, handler: handler)
                        await resyncIfDue(handler: handler)
                    }
                    await resyncIfDue(handler: handler)
                }
            } catch is CancellationError {
                return
            } catch {
                // 410 Gone, a dropped stream or an unreachable server: back off, then relist.
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(30))
            }
        }
    }

    /// Lists everything and reconciles the cache with it, reporting the differences.
    func relist(handler: @Sendable (InformerEvent) async -> Void) async throws -> String {
        let list = try await client.list(type, namespace: namespace, labelSelector: labelSelector, fieldSelector: nil)
        relists += 1
        var seen: Set<String> = []
        for item in list.items {
            let key = Self.key(item)
            seen.insert(key)
            let previous = cache[key]
            cache[key] = item
            if let previous {
                if previous != item { await handler(.updated(old: previous, new: item)) }
            } else {
                await handler(.added(item))
            }
        }
        for (key, object) in cache where !seen.contains(key) {
            cache[key] = nil
            await handler(.deleted(object))
        }
        hasSynced = true
        return list.resourceVersion
    }

    func apply(_ event: KubeWatchEvent, handler: @Sendable (InformerEvent) async -> Void) async {
        let key = Self.key(event.object)
        switch event.kind {
        case .added, .modified:
            let previous = cache[key]
            cache[key] = event.object
            await handler(previous.map { .updated(old: $0, new: event.object) } ?? .added(event.object))
        case .deleted:
            cache[key] = nil
            await handler(.deleted(event.object))
        case .bookmark:
            break
        }
    }

    func resyncIfDue(handler: @Sendable (InformerEvent) async -> Void) async {
        guard ContinuousClock.now - lastResync >= resyncPeriod else { return }
        lastResync = .now
        for key in cache.keys.sorted() { await handler(.resync(cache[key]!)) }
    }
}
