import CNPGCore
import Foundation

/// Where an object lives.
public struct ObjectKey: Hashable, Sendable, Comparable {
    public var resource: String
    public var namespace: String
    public var name: String

    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        (lhs.resource, lhs.namespace, lhs.name) < (rhs.resource, rhs.namespace, rhs.name)
    }
}

/// One change, as a watch delivers it.
public struct WatchEvent: Sendable, Equatable {
    public var type: String
    public var revision: UInt64
    public var resource: String
    public var object: JSONValue
}

/// The sandbox API server's state: Kubernetes object semantics over `JSONValue`s, without I/O.
/// resourceVersion is one monotonic counter; every change is logged for watches.
public struct ObjectStore: Sendable {
    public private(set) var resources: [String: ResourceType] = [:]
    var objects: [ObjectKey: JSONValue] = [:]
    /// owner uid -> dependents, for garbage collection.
    var dependents: [String: Set<ObjectKey>] = [:]
    /// uid -> key, and group-resource -> keys: indexes so lookups do not scan every object.
    var keysByUID: [String: ObjectKey] = [:]
    var keysByResource: [String: Set<ObjectKey>] = [:]
    public private(set) var revision: UInt64 = 1
    var log: [WatchEvent] = []
    let logCapacity: Int
    let clock: @Sendable () -> Date

    public static let foregroundFinalizer = "foregroundDeletion"
    /// With a kubelet, deleting a scheduled pod only marks it; the kubelet stops its containers and
    /// then deletes it with a grace period of 0.
    public var gracefulPodDeletion = false

    public init(logCapacity: Int = 50_000, clock: @escaping @Sendable () -> Date = Date.init) {
        self.logCapacity = logCapacity
        self.clock = clock
        for resource in BuiltinResources.all { register(resource) }
        for namespace in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try? create(
                resources["namespaces"]!, namespace: nil,
                .object([("apiVersion", .string("v1")), ("kind", .string("Namespace")), ("metadata", .object([("name", .string(namespace))]))]))
        }
    }

    public mutating func register(_ resource: ResourceType) { resources[resource.groupResource] = resource }
    public mutating func unregister(_ groupResource: String) { resources[groupResource] = nil }

    public func resource(_ groupResource: String) -> ResourceType? { resources[groupResource] }

    // MARK: reads

    public func get(_ resource: ResourceType, namespace: String?, name: String) throws(StatusError) -> JSONValue {
        guard let object = objects[key(resource, namespace, name)] else { throw .notFound(resource, name) }
        return object
    }

    public struct ListResult: Sendable {
        public var items: [JSONValue]
        public var resourceVersion: String
        public var continueToken: String?
    }

    /// Objects of a type, optionally in one namespace, filtered by selectors, in name order, paginated.
    public func list(
        _ resource: ResourceType, namespace: String?, labelSelector: SelectorExpression = SelectorExpression(),
        fieldSelector: SelectorExpression = SelectorExpression(), limit: Int? = nil, continueAfter: String? = nil
    ) -> ListResult {
        let keys = (keysByResource[resource.groupResource] ?? []).filter { namespace == nil || $0.namespace == namespace }.sorted()
        var items: [JSONValue] = []
        var lastKey: ObjectKey?
        var more = false
        for key in keys {
            if let continueAfter, "\(key.namespace)/\(key.name)" <= continueAfter { continue }
            let object = objects[key]!
            guard Self.matches(object, labelSelector: labelSelector, fieldSelector: fieldSelector) else { continue }
            if let limit, limit > 0, items.count == limit {
                more = true
                break
            }
            items.append(object)
            lastKey = key
        }
        let token = more ? lastKey.map { "\($0.namespace)/\($0.name)" } : nil
        return ListResult(items: items, resourceVersion: String(revision), continueToken: token)
    }

    /// Changes after `resourceVersion`, or 410 Gone when they are no longer retained.
    public func events(
        _ resource: ResourceType, namespace: String?, after resourceVersion: UInt64,
        labelSelector: SelectorExpression = SelectorExpression(), fieldSelector: SelectorExpression = SelectorExpression()
    ) throws(StatusError) -> [WatchEvent] {
        if let oldest = log.first?.revision, resourceVersion + 1 < oldest {
            throw .gone("too old resource version: \(resourceVersion) (\(oldest - 1))")
        }
        return log.filter { event in
            event.revision > resourceVersion && event.resource == resource.groupResource
                && (namespace == nil || (event.object["metadata"]?["namespace"]?.stringValue ?? "") == namespace)
                && Self.matches(event.object, labelSelector: labelSelector, fieldSelector: fieldSelector)
        }
    }

    public static func matches(_ object: JSONValue, labelSelector: SelectorExpression, fieldSelector: SelectorExpression) -> Bool {
        guard labelSelector.matches(labels: object["metadata"]?["labels"]?.stringMap ?? [:]) else {
            return false
        }
        return fieldSelector.matches { path in
            var current: JSONValue? = object
            for component in path.split(separator: ".") { current = current?[String(component)] }
            switch current {
            case .string(let s)?: return s
            case .int(let i)?: return String(i)
            case .bool(let b)?: return String(b)
            default: return path == "metadata.namespace" ? "" : nil
            }
        }
    }

    // MARK: writes

    public mutating func create(_ resource: ResourceType, namespace: String?, _ body: JSONValue) throws(StatusError) -> JSONValue {
        guard case .object = body else { throw .badRequest("the request body must be a JSON object") }
        try checkKind(resource, body)
        var metadata = body["metadata"] ?? .object([])
        var name = metadata["name"]?.stringValue ?? ""
        if name.isEmpty, let prefix = metadata["generateName"]?.stringValue, !prefix.isEmpty {
            name = prefix + Self.randomSuffix()
            metadata = metadata.setting("name", to: .string(name))
        }
        guard !name.isEmpty else {
            throw .invalid(resource, "", [FieldError.required(FieldPath("metadata").child("name"), "name or generateName is required")])
        }
        if !Self.isDNSSubdomain(name) {
            throw .invalid(
                resource, name,
                [
                    FieldError.invalid(
                        FieldPath("metadata").child("name"), name,
                        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
                    )
                ])
        }
        let namespace = try effectiveNamespace(resource, urlNamespace: namespace, body: body)
        if resource.namespaced {
            guard let owner = objects[ObjectKey(resource: "namespaces", namespace: "", name: namespace)] else {
                throw StatusError(code: 404, reason: "NotFound", message: "namespaces \"\(namespace)\" not found")
            }
            if owner["metadata"]?["deletionTimestamp"] != nil {
                throw StatusError(
                    code: 403, reason: "Forbidden",
                    message:
                        "\(resource.plural) \"\(name)\" is forbidden: unable to create new content in namespace \(namespace) because it is being terminated")
            }
        }
        let key = key(resource, namespace, name)
        guard objects[key] == nil else { throw .alreadyExists(resource, name) }
        revision += 1
        metadata = metadata.setting("uid", to: .string(UUID().uuidString.lowercased()))
        metadata = metadata.setting("resourceVersion", to: .string(String(revision)))
        metadata = metadata.setting("creationTimestamp", to: .string(Self.timestamp(clock())))
        metadata = metadata.setting("generation", to: .int(1))
        if resource.namespaced { metadata = metadata.setting("namespace", to: .string(namespace)) }
        metadata = Self.removing(["deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"], from: metadata)
        var object = body.setting("apiVersion", to: .string(resource.apiVersion)).setting("kind", to: .string(resource.kind))
        object = object.setting("metadata", to: metadata)
        if resource.plural == "namespaces" {
            object = object.setting("status", to: .object([("phase", .string("Active"))]))
        }
        if resource.plural == "jobs", resource.group == "batch", let uid = metadata["uid"]?.stringValue {
            object = Self.selectingOwnPods(job: object, uid: uid)
        }
        put(key, object)
        record("ADDED", resource, object)
        // The garbage collector removes an object whose owners are all gone (a controller that raced
        // its owner's deletion); it exists, briefly, as on a real cluster.
        let owners = Self.ownerUIDs(of: object)
        if !owners.isEmpty, owners.allSatisfy({ !ownerExists($0) }) {
            _ = try? delete(resource, namespace: namespace, name: name)
        }
        return object
    }

    /// The Job strategy's defaults: unless `spec.manualSelector`, the Job selects its pods by its
    /// UID, and its template carries that label and the Job's name (what `kubectl logs job/NAME` uses).
    static func selectingOwnPods(job: JSONValue, uid: String) -> JSONValue {
        guard job["spec"]?["manualSelector"] != .bool(true), let name = job["metadata"]?["name"]?.stringValue,
            case .object? = job["spec"]
        else { return job }
        let ownLabels: [(String, JSONValue)] = [
            ("batch.kubernetes.io/controller-uid", .string(uid)), ("batch.kubernetes.io/job-name", .string(name)),
            ("controller-uid", .string(uid)), ("job-name", .string(name)),
        ]
        var labels = job["spec"]?["template"]?["metadata"]?["labels"] ?? .object([])
        for (key, value) in ownLabels { labels = labels.setting(key, to: value) }
        let template = (job["spec"]?["template"] ?? .object([]))
            .setting("metadata", to: (job["spec"]?["template"]?["metadata"] ?? .object([])).setting("labels", to: labels))
        let selector: JSONValue = .object([("matchLabels", .object([("batch.kubernetes.io/controller-uid", .string(uid))]))])
        return job.setting("spec", to: job["spec"]!.setting("selector", to: selector).setting("template", to: template))
    }

    /// PUT: `subresource` nil replaces everything but the status (when status is a subresource),
    /// "status" replaces only the status.
    public mutating func update(
        _ resource: ResourceType, namespace: String?, name: String, _ body: JSONValue,
        subresource: String? = nil
    ) throws(StatusError) -> JSONValue {
        guard case .object = body else { throw .badRequest("the request body must be a JSON object") }
        try checkKind(resource, body)
        let namespace = try effectiveNamespace(resource, urlNamespace: namespace, body: body)
        if let bodyName = body["metadata"]?["name"]?.stringValue, bodyName != name {
            throw .badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        let key = key(resource, namespace, name)
        guard let current = objects[key] else { throw .notFound(resource, name) }
        if let expected = body["metadata"]?["resourceVersion"]?.stringValue, !expected.isEmpty,
            expected != current["metadata"]?["resourceVersion"]?.stringValue
        {
            throw .conflict(resource, name)
        }
        var next: JSONValue
        if subresource == "status" {
            next = current.setting("status", to: body["status"] ?? .null)
        } else {
            next = body
            if resource.hasStatusSubresource { next = next.setting("status", to: current["status"] ?? .null) }
            var metadata = body["metadata"] ?? .object([])
            for preserved in ["uid", "creationTimestamp", "namespace", "name", "generation", "deletionTimestamp", "deletionGracePeriodSeconds"] {
                metadata = current["metadata"]?[preserved].map { metadata.setting(preserved, to: $0) } ?? Self.removing([preserved], from: metadata)
            }
            next = next.setting("metadata", to: metadata)
        }
        next = Self.removingNulls(next).setting("apiVersion", to: .string(resource.apiVersion)).setting("kind", to: .string(resource.kind))
        return commit(resource, key: key, current: current, next: next)
    }

    public mutating func patch(
        _ resource: ResourceType, namespace: String?, name: String, type: PatchType, _ patch: JSONValue,
        subresource: String? = nil
    ) throws(StatusError) -> JSONValue {
        let namespace = resource.namespaced ? (namespace ?? "default") : ""
        let key = key(resource, namespace, name)
        guard let current = objects[key] else {
            if type == .apply { return try create(resource, namespace: namespace.isEmpty ? nil : namespace, patch) }
            throw .notFound(resource, name)
        }
        let patched = try Self.applying(patch, type: type, to: current)
        return try update(resource, namespace: namespace.isEmpty ? nil : namespace, name: name, patched, subresource: subresource)
    }

    /// The stored object with a patch applied, not stored: what an update would then write. A patch
    /// may carry a resourceVersion precondition; otherwise it applies to the current version.
    public func patched(
        _ resource: ResourceType, namespace: String?, name: String, type: PatchType,
        _ patch: JSONValue
    ) throws(StatusError) -> JSONValue {
        let namespace = resource.namespaced ? (namespace ?? "default") : ""
        guard let current = objects[key(resource, namespace, name)] else { throw .notFound(resource, name) }
        return try Self.applying(patch, type: type, to: current)
    }

    static func applying(_ patch: JSONValue, type: PatchType, to current: JSONValue) throws(StatusError) -> JSONValue {
        var patched: JSONValue
        switch type {
        case .json:
            do { patched = try JSONPatch.apply(patch, to: current) } catch { throw StatusError(code: 422, reason: "Invalid", message: error.description) }
        case .merge, .strategicMerge:
            patched = JSONPatch.mergePatch(current, with: patch)
        case .apply:
            patched = JSONPatch.applyPatch(current, with: patch)
        }
        if patch["metadata"]?["resourceVersion"] == nil {
            patched = patched.setting(
                "metadata", to: (patched["metadata"] ?? .object([])).setting("resourceVersion", to: current["metadata"]?["resourceVersion"] ?? .null))
        }
        return patched
    }

    /// DELETE: with finalizers the object only gets a deletionTimestamp; dependents are collected
    /// (background), deleted first (foreground) or released (orphan).
    @discardableResult
    public mutating func delete(
        _ resource: ResourceType, namespace: String?, name: String,
        propagation: DeletionPropagation = .background, preconditionUID: String? = nil,
        gracePeriodSeconds: Int64? = nil
    ) throws(StatusError) -> JSONValue {
        let namespace = resource.namespaced ? (namespace ?? "default") : ""
        let key = key(resource, namespace, name)
        guard let current = objects[key] else { throw .notFound(resource, name) }
        if let preconditionUID, preconditionUID != current["metadata"]?["uid"]?.stringValue { throw .conflict(resource, name) }
        let uid = current["metadata"]?["uid"]?.stringValue ?? ""
        if propagation == .orphan { releaseDependents(of: uid) }
        var finalizers = Self.finalizers(of: current)
        if propagation == .foreground, !(dependents[uid] ?? []).isEmpty, !finalizers.contains(Self.foregroundFinalizer) {
            finalizers.append(Self.foregroundFinalizer)
        }
        if resource.plural == "namespaces" { return deleteNamespace(key: key, current: current) }
        if resource.plural == "pods", gracefulPodDeletion, gracePeriodSeconds != 0, current["spec"]?["nodeName"]?.stringValue != nil {
            return markPodTerminating(resource, key: key, current: current, gracePeriodSeconds: gracePeriodSeconds)
        }
        guard finalizers.isEmpty else {
            if current["metadata"]?["deletionTimestamp"] != nil, Self.finalizers(of: current) == finalizers { return current }
            var metadata = current["metadata"] ?? .object([])
            metadata = metadata.setting("deletionTimestamp", to: metadata["deletionTimestamp"] ?? .string(Self.timestamp(clock())))
            metadata = metadata.setting("deletionGracePeriodSeconds", to: .int(0))
            metadata = metadata.setting("finalizers", to: .array(finalizers.map(JSONValue.string)))
            let marked = commit(resource, key: key, current: current, next: current.setting("metadata", to: metadata))
            if propagation == .foreground { collectDependents(of: uid) }
            return marked
        }
        remove(key, resource: resource, object: current)
        return current
    }

    // MARK: internals

    /// A pod the kubelet is still stopping stays until the kubelet deletes it with a grace period of 0.
    func isTerminatingGracefully(_ resource: ResourceType, _ object: JSONValue) -> Bool {
        guard resource.plural == "pods", gracefulPodDeletion, case .int(let grace)? = object["metadata"]?["deletionGracePeriodSeconds"] else { return false }
        return grace > 0
    }

    mutating func markPodTerminating(_ resource: ResourceType, key: ObjectKey, current: JSONValue, gracePeriodSeconds: Int64?) -> JSONValue {
        var grace = gracePeriodSeconds ?? 30
        if gracePeriodSeconds == nil, case .int(let declared)? = current["spec"]?["terminationGracePeriodSeconds"] { grace = declared }
        var metadata = current["metadata"] ?? .object([])
        if case .int(let existing)? = metadata["deletionGracePeriodSeconds"], metadata["deletionTimestamp"] != nil, existing <= grace {
            return current
        }
        metadata = metadata.setting("deletionTimestamp", to: metadata["deletionTimestamp"] ?? .string(Self.timestamp(clock())))
        metadata = metadata.setting("deletionGracePeriodSeconds", to: .int(grace))
        return commit(resource, key: key, current: current, next: current.setting("metadata", to: metadata), finishDeletion: false)
    }

    func key(_ resource: ResourceType, _ namespace: String?, _ name: String) -> ObjectKey {
        ObjectKey(resource: resource.groupResource, namespace: resource.namespaced ? (namespace ?? "default") : "", name: name)
    }

    func effectiveNamespace(_ resource: ResourceType, urlNamespace: String?, body: JSONValue) throws(StatusError) -> String {
        guard resource.namespaced else { return "" }
        let bodyNamespace = body["metadata"]?["namespace"]?.stringValue
        if let urlNamespace, let bodyNamespace, !bodyNamespace.isEmpty, bodyNamespace != urlNamespace {
            throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        return urlNamespace ?? ((bodyNamespace ?? "").isEmpty ? "default" : bodyNamespace!)
    }

    func checkKind(_ resource: ResourceType, _ body: JSONValue) throws(StatusError) {
        if let kind = body["kind"]?.stringValue, !kind.isEmpty, kind != resource.kind {
            throw .badRequest("the kind of the object (\(kind)) does not match the resource \(resource.groupResource)")
        }
        if let apiVersion = body["apiVersion"]?.stringValue, !apiVersion.isEmpty, apiVersion != resource.apiVersion {
            throw .badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(resource.apiVersion))")
        }
    }

    /// Stores a change: bumps resourceVersion (and generation when the desired state changed),
    /// finishes deletions whose finalizers are gone, and logs the event. A no-op write changes nothing.
    mutating func commit(
        _ resource: ResourceType, key: ObjectKey, current: JSONValue, next: JSONValue,
        finishDeletion: Bool = true
    ) -> JSONValue {
        var next = next
        let unchanged = Self.withoutVolatile(next) == Self.withoutVolatile(current)
        if unchanged { return current }
        revision += 1
        var metadata = next["metadata"] ?? .object([])
        metadata = metadata.setting("resourceVersion", to: .string(String(revision)))
        if Self.desiredState(next, resource) != Self.desiredState(current, resource) {
            let generation: Int64
            if case .int(let g)? = current["metadata"]?["generation"] { generation = g } else { generation = 0 }
            metadata = metadata.setting("generation", to: .int(generation + 1))
        }
        if Self.finalizers(of: next).isEmpty { metadata = Self.removing(["finalizers"], from: metadata) }
        next = next.setting("metadata", to: metadata)
        if finishDeletion, resource.plural != "namespaces", next["metadata"]?["deletionTimestamp"] != nil, Self.finalizers(of: next).isEmpty,
            !isTerminatingGracefully(resource, next)
        {
            remove(key, resource: resource, object: next)
            return next
        }
        put(key, next)
        record("MODIFIED", resource, next)
        return next
    }

    mutating func put(_ key: ObjectKey, _ object: JSONValue) {
        if let old = objects[key] { unindex(key, old) }
        objects[key] = object
        for owner in Self.ownerUIDs(of: object) { dependents[owner, default: []].insert(key) }
        if let uid = object["metadata"]?["uid"]?.stringValue { keysByUID[uid] = key }
        keysByResource[key.resource, default: []].insert(key)
    }

    mutating func unindex(_ key: ObjectKey, _ object: JSONValue) {
        for owner in Self.ownerUIDs(of: object) {
            dependents[owner]?.remove(key)
            if dependents[owner]?.isEmpty == true { dependents[owner] = nil }
        }
        if let uid = object["metadata"]?["uid"]?.stringValue { keysByUID[uid] = nil }
        keysByResource[key.resource]?.remove(key)
    }

    mutating func remove(_ key: ObjectKey, resource: ResourceType, object: JSONValue) {
        unindex(key, objects[key] ?? object)
        objects[key] = nil
        revision += 1
        let deleted = object.setting("metadata", to: (object["metadata"] ?? .object([])).setting("resourceVersion", to: .string(String(revision))))
        record("DELETED", resource, deleted)
        let uid = object["metadata"]?["uid"]?.stringValue ?? ""
        collectDependents(of: uid)
        finishOwnersWaitingFor(object)
        if resource.namespaced { finishNamespaceIfEmpty(key.namespace) }
    }

    /// Background collection: dependents whose every owner is gone are deleted.
    mutating func collectDependents(of uid: String) {
        for dependentKey in (dependents[uid] ?? []).sorted() {
            guard let dependent = objects[dependentKey], let resource = resources[dependentKey.resource] else { continue }
            let liveOwners = Self.ownerUIDs(of: dependent).filter { $0 != uid && ownerExists($0) }
            if liveOwners.isEmpty || ownerIsBeingDeletedInForeground(uid) {
                _ = try? delete(resource, namespace: dependentKey.namespace.isEmpty ? nil : dependentKey.namespace, name: dependentKey.name)
            }
        }
    }

    func ownerExists(_ uid: String) -> Bool { keysByUID[uid] != nil }

    func ownerIsBeingDeletedInForeground(_ uid: String) -> Bool {
        guard let key = keysByUID[uid], let owner = objects[key] else { return false }
        return Self.finalizers(of: owner).contains(Self.foregroundFinalizer)
    }

    /// A foreground-deleted owner goes away once its last dependent has.
    mutating func finishOwnersWaitingFor(_ dependent: JSONValue) {
        for ownerUID in Self.ownerUIDs(of: dependent) where (dependents[ownerUID] ?? []).isEmpty {
            guard let key = keysByUID[ownerUID], let owner = objects[key],
                Self.finalizers(of: owner).contains(Self.foregroundFinalizer), let resource = resources[key.resource]
            else { continue }
            let remaining = Self.finalizers(of: owner).filter { $0 != Self.foregroundFinalizer }
            let metadata = (owner["metadata"] ?? .object([])).setting("finalizers", to: .array(remaining.map(JSONValue.string)))
            _ = commit(resource, key: key, current: owner, next: owner.setting("metadata", to: metadata))
        }
    }

    mutating func releaseDependents(of uid: String) {
        for dependentKey in (dependents[uid] ?? []).sorted() {
            guard let dependent = objects[dependentKey], let resource = resources[dependentKey.resource] else { continue }
            guard case .array(let references)? = dependent["metadata"]?["ownerReferences"] else { continue }
            let kept = references.filter { $0["uid"]?.stringValue != uid }
            var metadata = dependent["metadata"] ?? .object([])
            metadata = kept.isEmpty ? Self.removing(["ownerReferences"], from: metadata) : metadata.setting("ownerReferences", to: .array(kept))
            _ = commit(resource, key: dependentKey, current: dependent, next: dependent.setting("metadata", to: metadata))
        }
    }

    mutating func deleteNamespace(key: ObjectKey, current: JSONValue) -> JSONValue {
        let namespace = key.name
        let resource = resources["namespaces"]!
        var metadata = current["metadata"] ?? .object([])
        metadata = metadata.setting("deletionTimestamp", to: metadata["deletionTimestamp"] ?? .string(Self.timestamp(clock())))
        let terminating = commit(
            resource, key: key, current: current,
            next: current.setting("metadata", to: metadata).setting("status", to: .object([("phase", .string("Terminating"))])),
            finishDeletion: false)  // a namespace ends when its last object has gone
        for contentKey in objects.keys.filter({ $0.namespace == namespace && !$0.namespace.isEmpty }).sorted() {
            guard let contentResource = resources[contentKey.resource], objects[contentKey] != nil else { continue }
            _ = try? delete(contentResource, namespace: namespace, name: contentKey.name)
        }
        finishNamespaceIfEmpty(namespace)
        return objects[key] ?? terminating
    }

    mutating func finishNamespaceIfEmpty(_ namespace: String) {
        let key = ObjectKey(resource: "namespaces", namespace: "", name: namespace)
        guard let object = objects[key], object["metadata"]?["deletionTimestamp"] != nil,
            !objects.keys.contains(where: { $0.namespace == namespace })
        else { return }
        remove(key, resource: resources["namespaces"]!, object: object)
    }

    mutating func record(_ type: String, _ resource: ResourceType, _ object: JSONValue) {
        log.append(WatchEvent(type: type, revision: revision, resource: resource.groupResource, object: object))
        if log.count > logCapacity { log.removeFirst(log.count - logCapacity) }
    }

    static func finalizers(of object: JSONValue) -> [String] {
        guard case .array(let values)? = object["metadata"]?["finalizers"] else { return [] }
        return values.compactMap(\.stringValue)
    }

    static func ownerUIDs(of object: JSONValue) -> [String] {
        guard case .array(let references)? = object["metadata"]?["ownerReferences"] else { return [] }
        return references.compactMap { $0["uid"]?.stringValue }
    }

    /// What `generation` tracks: everything but metadata, and but status where status is a subresource.
    static func desiredState(_ object: JSONValue, _ resource: ResourceType) -> JSONValue {
        var state = removing(["metadata"], from: object)
        if resource.hasStatusSubresource { state = removing(["status"], from: state) }
        return state
    }

    static func withoutVolatile(_ object: JSONValue) -> JSONValue {
        object.setting("metadata", to: removing(["resourceVersion", "managedFields", "generation"], from: object["metadata"] ?? .object([])))
    }

    static func removing(_ keys: Set<String>, from value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(members.filter { !keys.contains($0.0) })
    }

    static func removingNulls(_ value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(members.filter { $0.1 != .null })
    }

    static func isDNSSubdomain(_ name: String) -> Bool {
        name.count <= 253 && name.matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
    }

    static func randomSuffix() -> String {
        String((0..<5).map { _ in "bcdfghjklmnpqrstvwxz2456789".randomElement()! })
    }

    public static func timestamp(_ date: Date) -> String { KubeTime.time(date) }
}
