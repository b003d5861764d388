import CNPGCore
import Foundation

/// Create-or-update with no write when nothing changed, so a converged cluster costs reads only.
struct ObjectSync: Sendable {
    let client: any KubeClient

    enum Outcome: Equatable { case created, updated, unchanged }

    /// Creates `desired` when missing; otherwise `update(current)` returns the object to write, or
    /// nil to leave it as it is.
    @discardableResult
    func ensure(
        _ type: ResourceType, namespace: String, _ desired: JSONValue,
        update: (JSONValue) -> JSONValue? = { _ in nil }
    ) async throws -> Outcome {
        let name = desired["metadata"]?["name"]?.stringValue ?? ""
        let current: JSONValue
        do {
            current = try await client.get(type, namespace: namespace, name: name)
        } catch let error as KubeAPIError where error.code == 404 {
            do {
                _ = try await client.create(type, namespace: namespace, desired)
                return .created
            } catch let error as KubeAPIError where error.code == 409 {
                return .unchanged
            }
        }
        guard let next = update(current) else { return .unchanged }
        _ = try await client.update(type, namespace: namespace, next, subresource: nil)
        return .updated
    }

    /// An update that replaces the listed top-level fields when they differ.
    static func replacing(_ keys: [String], from desired: JSONValue) -> (JSONValue) -> JSONValue? {
        { current in
            guard keys.contains(where: { current[$0] != desired[$0] }) else { return nil }
            var next = current
            for key in keys { next = next.setting(key, to: desired[key] ?? .null) }
            return next
        }
    }

    /// An update that replaces fields inside `spec` when they differ (keeping server-set ones such as clusterIP).
    static func replacingSpec(_ keys: [String], from desired: JSONValue) -> (JSONValue) -> JSONValue? {
        { current in
            let currentSpec = current["spec"] ?? .object([])
            guard keys.contains(where: { currentSpec[$0] != desired["spec"]?[$0] }) else { return nil }
            var spec = currentSpec
            for key in keys { spec = spec.setting(key, to: desired["spec"]?[key] ?? .null) }
            return current.setting("spec", to: spec)
        }
    }
}

/// Events on a Cluster, as `kubectl describe` and `kubectl get events` show them.
struct EventRecorder: Sendable {
    let client: any KubeClient

    func record(_ cluster: Cluster, reason: String, message: String, warning: Bool = false) async {
        await record(kind: Cluster.kind, cluster.metadata, reason: reason, message: message, warning: warning)
    }

    func record(_ backup: Backup, reason: String, message: String, warning: Bool = false) async {
        await record(kind: Backup.kind, backup.metadata, reason: reason, message: message, warning: warning)
    }

    func record(kind: String, _ metadata: ObjectMeta, reason: String, message: String, warning: Bool) async {
        let namespace = metadata.namespace ?? "default"
        let name = metadata.name ?? ""
        let now = KubeTime.time(Date())
        let event: JSONValue = .object([
            ("apiVersion", .string("v1")), ("kind", .string("Event")),
            ("metadata", .object([("generateName", .string("\(name).")), ("namespace", .string(namespace))])),
            (
                "involvedObject",
                .object([
                    ("apiVersion", .string(CNPG.apiVersion)), ("kind", .string(kind)), ("name", .string(name)),
                    ("namespace", .string(namespace)), ("uid", .string(metadata.uid ?? "")),
                ])
            ),
            ("reason", .string(reason)), ("message", .string(message)), ("type", .string(warning ? "Warning" : "Normal")),
            ("source", .object([("component", .string("cloudnative-pg"))])), ("reportingComponent", .string("cloudnative-pg")),
            ("firstTimestamp", .string(now)), ("lastTimestamp", .string(now)), ("count", .int(1)),
        ])
        _ = try? await client.create(.events, namespace: namespace, event)
    }
}
