import CNPGCore
import Foundation

extension SandboxAPI {
    /// A watch: replays what changed after `resourceVersion` (or the current objects as ADDED when
    /// none is given), then streams live changes; ERROR 410 when the version is too old.
    func watch(
        _ resource: ResourceType, namespace: String?, labels: SelectorExpression, fields: SelectorExpression,
        query: [String: String], maximumDuration: Duration? = nil, asTable: Bool = false
    ) throws -> APIResponse {
        let (raw, continuation) = AsyncStream.makeStream(of: JSONValue.self, bufferingPolicy: .bufferingNewest(10_000))
        let stream = asTable ? tableEvents(raw, resource: resource) : raw
        let bookmarks = query["allowWatchBookmarks"] == "true"
        let requested = query["resourceVersion"] ?? ""
        if requested.isEmpty || requested == "0" || query["sendInitialEvents"] == "true" {
            let current = store.list(resource, namespace: namespace, labelSelector: labels, fieldSelector: fields)
            for item in current.items { continuation.yield(Self.event("ADDED", item)) }
            if query["sendInitialEvents"] == "true" {
                continuation.yield(Self.bookmark(resource, revision: store.revision, initialEventsEnd: true))
            }
        } else {
            guard let revision = UInt64(requested) else { throw StatusError.badRequest("invalid resourceVersion \"\(requested)\"") }
            let replay = Result<[WatchEvent], StatusError> { () throws(StatusError) -> [WatchEvent] in
                try store.events(resource, namespace: namespace, after: revision, labelSelector: labels, fieldSelector: fields)
            }
            switch replay {
            case .success(let events):
                for event in events { continuation.yield(Self.event(event.type, event.object)) }
            case .failure(let error):
                continuation.yield(Self.event("ERROR", error.status))
                continuation.finish()
                return .watch(stream)
            }
        }
        let id = UUID()
        watchers[id] = Watcher(
            resource: resource.groupResource, namespace: namespace, labelSelector: labels, fieldSelector: fields,
            continuation: continuation)
        var timeout = query["timeoutSeconds"].flatMap(Double.init) ?? 600
        if let maximumDuration {
            let (seconds, attoseconds) = maximumDuration.components
            timeout = min(timeout, Double(seconds) + Double(attoseconds) / 1e18)
        }
        let task = Task { [weak self] in
            let deadline = Date().addingTimeInterval(timeout)
            while !Task.isCancelled, Date() < deadline {
                try? await Task.sleep(for: .seconds(min(5, max(0.05, deadline.timeIntervalSinceNow))))
                if bookmarks, let self { await self.sendBookmark(id, resource: resource) }
            }
            await self?.endWatch(id)
        }
        continuation.onTermination = { [weak self] _ in
            task.cancel()
            Task { await self?.endWatch(id) }
        }
        return .watch(stream)
    }

    func sendBookmark(_ id: UUID, resource: ResourceType) {
        watchers[id]?.continuation.yield(Self.bookmark(resource, revision: store.revision, initialEventsEnd: false))
    }

    func endWatch(_ id: UUID) {
        watchers.removeValue(forKey: id)?.continuation.finish()
    }

    /// Watch events whose objects are one-row Tables; only the first carries the column headers.
    func tableEvents(_ events: AsyncStream<JSONValue>, resource: ResourceType) -> AsyncStream<JSONValue> {
        AsyncStream { continuation in
            let task = Task {
                var first = true
                for await event in events {
                    guard let type = event["type"]?.stringValue, type != "ERROR", type != "BOOKMARK", let object = event["object"] else {
                        continuation.yield(event)
                        continue
                    }
                    let row = self.table(
                        resource, items: [object], resourceVersion: object["metadata"]?["resourceVersion"]?.stringValue ?? "",
                        includeHeaders: first)
                    first = false
                    continuation.yield(Self.event(type, row))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func endAllWatches() {
        for id in Array(watchers.keys) { endWatch(id) }
    }

    /// Number of open watches (for tests and metrics).
    public var openWatchCount: Int { watchers.count }

    /// Delivers every logged change since the last delivery to the watches that match it.
    func broadcast() {
        let events = store.log.reversed().prefix { $0.revision > broadcastRevision }.reversed()
        broadcastRevision = store.revision
        guard !watchers.isEmpty else { return }
        for event in events {
            for watcher in watchers.values where watcher.resource == event.resource {
                let objectNamespace = event.object["metadata"]?["namespace"]?.stringValue ?? ""
                if let namespace = watcher.namespace, namespace != objectNamespace { continue }
                guard ObjectStore.matches(event.object, labelSelector: watcher.labelSelector, fieldSelector: watcher.fieldSelector) else { continue }
                watcher.continuation.yield(Self.event(event.type, event.object))
            }
        }
    }

    static func event(_ type: String, _ object: JSONValue) -> JSONValue {
        .object([("type", .string(type)), ("object", object)])
    }

    static func bookmark(_ resource: ResourceType, revision: UInt64, initialEventsEnd: Bool) -> JSONValue {
        var metadata: [(String, JSONValue)] = [("resourceVersion", .string(String(revision)))]
        if initialEventsEnd { metadata.append(("annotations", .object([("k8s.io/initial-events-end", .string("true"))]))) }
        return event("BOOKMARK", .object([("kind", .string(resource.kind)), ("apiVersion", .string(resource.apiVersion)), ("metadata", .object(metadata))]))
    }
}
