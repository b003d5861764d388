import CNPGCore
import Foundation
import Logging

/// One reconcile of one Pooler: its ServiceAccount, Role and RoleBinding, its Deployment of
/// PgBouncer pods and its Service, then its status (the Secrets in use with their versions, the
/// instances running). The Cluster's side of the integration (the `<cluster>-pooler` certificate,
/// `status.poolerIntegrations`) is the Cluster reconciler's.
struct PoolerReconciler: Sendable {
    let client: any KubeClient
    let configuration: OperatorConfiguration
    let logger: Logger
    var sync: ObjectSync { ObjectSync(client: client) }

    struct Key: Hashable, Sendable, CustomStringConvertible {
        var namespace: String
        var name: String
        var description: String { "\(namespace)/\(name)" }
    }

    func reconcile(_ key: Key) async throws -> Duration? {
        let object: JSONValue
        do {
            object = try await client.get(.poolers, namespace: key.namespace, name: key.name)
        } catch let error as KubeAPIError where error.code == 404 {
            return nil
        }
        let pooler = try ObjectCodec.decode(Pooler.self, from: object)
        guard pooler.metadata.deletionTimestamp == nil else { return nil }
        if pooler.metadata.annotations?["cnpg.io/reconciliationLoop"] == "disabled" { return nil }
        let cluster: Cluster
        do {
            cluster = try ObjectCodec.decode(Cluster.self, from: try await client.get(.clusters, namespace: key.namespace, name: pooler.spec.cluster.name))
        } catch let error as KubeAPIError where error.code == 404 {
            try await writeStatus(object, [("error", .string("cluster \"\(pooler.spec.cluster.name)\" not found"))])
            return .seconds(30)
        }
        let secrets = PoolerSecretNames(pooler: pooler, cluster: cluster)

        if let account = PoolerBuilder.serviceAccount(for: pooler) {
            try await sync.ensure(.serviceAccounts, namespace: key.namespace, ObjectCodec.encode(account))
        }
        let role = ObjectCodec.encode(PoolerBuilder.role(for: pooler, secrets: secrets))
        try await sync.ensure(.roles, namespace: key.namespace, role, update: ObjectSync.replacing(["rules"], from: role))
        let binding = ObjectCodec.encode(PoolerBuilder.roleBinding(for: pooler))
        try await sync.ensure(.roleBindings, namespace: key.namespace, binding, update: ObjectSync.replacing(["subjects", "roleRef"], from: binding))
        let deployment = PoolerBuilder.deployment(for: pooler, configuration: configuration)
        let hashKey = "cnpg.io/poolerSpecHash"
        try await sync.ensure(.deployments, namespace: key.namespace, deployment) { current in
            // A new spec hash means a changed Pooler: its pod template and replicas are rewritten.
            guard current["metadata"]?["annotations"]?[hashKey] != deployment["metadata"]?["annotations"]?[hashKey] else { return nil }
            let annotations = (current["metadata"]?["annotations"] ?? .object([])).setting(
                hashKey, to: deployment["metadata"]?["annotations"]?[hashKey] ?? .null)
            return current.setting("metadata", to: (current["metadata"] ?? .object([])).setting("annotations", to: annotations))
                .setting("spec", to: deployment["spec"] ?? .null)
        }
        let service = PoolerBuilder.service(for: pooler)
        // Every field the Service should have (a serviceTemplate may set more than type, ports and selector).
        let serviceFields =
            service["spec"].flatMap { spec -> [String]? in
                guard case .object(let fields) = spec else { return nil }
                return fields.map(\.0)
            } ?? ["selector", "ports", "type"]
        try await sync.ensure(.services, namespace: key.namespace, service, update: ObjectSync.replacingSpec(serviceFields, from: service))
        await PodMonitorSync(client: client, logger: logger).reconcile(
            PodMonitorBuilder.podMonitor(for: pooler), enabled: pooler.spec.monitoring?.enablePodMonitor == true, namespace: key.namespace)

        // Status: the Secrets in use with their resourceVersions, and how many pods the Deployment runs.
        var missing: [String] = []
        func version(_ name: String?) async -> JSONValue? {
            guard let name else { return nil }
            guard let secret = try? await client.get(.secrets, namespace: key.namespace, name: name) else {
                missing.append(name)
                return .object([("name", .string(name))])
            }
            return .object([("name", .string(name)), ("version", secret["metadata"]?["resourceVersion"] ?? .string(""))])
        }
        var secretStatus: [(String, JSONValue)] = []
        for (field, name) in [
            ("clientTLS", secrets.clientTLS), ("serverTLS", secrets.serverTLS), ("serverCA", secrets.serverCA),
            ("clientCA", secrets.clientCA),
        ] as [(String, String?)] {
            if let value = await version(name) { secretStatus.append((field, value)) }
        }
        if let authQuery = await version(secrets.authQuery) {
            secretStatus.append(("pgBouncerSecrets", .object([("authQuery", authQuery)])))
        }
        let running = try? await client.get(.deployments, namespace: key.namespace, name: key.name)
        var fields: [(String, JSONValue)] = [
            ("secrets", .object(secretStatus)), ("instances", running?["status"]?["replicas"] ?? .int(0)),
            ("image", .string(PoolerBuilder.image(for: pooler))),
        ]
        if !missing.isEmpty {
            fields.append(("error", .string("secrets not found: \(missing.sorted().joined(separator: ", "))")))
        } else if object["status"]?["error"] != nil {
            fields.append(("error", .null))
        }
        try await writeStatus(object, fields)
        // The integration certificate appears once the Cluster reconciler has seen this Pooler.
        return missing.isEmpty ? nil : .seconds(5)
    }

    func writeStatus(_ object: JSONValue, _ fields: [(String, JSONValue)]) async throws {
        var changes: [(String, JSONValue)] = []
        for (key, value) in fields where object["status"]?[key] != value {
            if value == .null, object["status"]?[key] == nil { continue }
            changes.append((key, value))
        }
        guard !changes.isEmpty, let name = object["metadata"]?["name"]?.stringValue, let namespace = object["metadata"]?["namespace"]?.stringValue else {
            return
        }
        _ = try await client.patch(
            .poolers, namespace: namespace, name: name, .object([("status", .object(changes))]), patchType: .merge,
            subresource: "status", fieldManager: nil)
    }
}
