import CNPGCore
import Foundation

extension ClusterReconciler {
    /// As CNPG: the default monitoring queries live in the operator's namespace and each Cluster
    /// that uses them gets a copy in its own namespace (its instances may read only their own
    /// namespace). The copy carries `cnpg.io/operatorVersion`, which marks it as ours to update;
    /// a ConfigMap of that name made by someone else is left alone. Without the source (an
    /// operator not installed by the chart), the built-in queries are used.
    func ensureDefaultMonitoringQueries(_ cluster: Cluster) async {
        guard let name = configuration.monitoringQueriesConfigMap,
            cluster.spec.monitoring?.customQueriesConfigMap?.contains(where: { $0.name == name }) == true
        else { return }
        let namespace = cluster.metadata.namespace ?? "default"
        let source = try? await client.get(.configMaps, namespace: operatorNamespace, name: name)
        if source != nil, namespace == operatorNamespace { return }
        let data: JSONValue = source?["data"] ?? .object([(DefaultMonitoringQueries.key, .string(DefaultMonitoringQueries.yaml))])
        let desired = JSONValue.object([
            ("apiVersion", .string("v1")), ("kind", .string("ConfigMap")),
            (
                "metadata",
                .object([
                    ("name", .string(name)), ("namespace", .string(namespace)),
                    ("labels", .object([("cnpg.io/reload", .string(""))])),
                    ("annotations", .object([("cnpg.io/operatorVersion", .string(CNPG.operatorVersion))])),
                ])
            ),
            ("data", data),
        ])
        do {
            let outcome = try await sync.ensure(.configMaps, namespace: namespace, desired) { current in
                guard current["metadata"]?["annotations"]?["cnpg.io/operatorVersion"] != nil, current["data"] != data else { return nil }
                return current.setting("data", to: data)
            }
            if outcome != .unchanged {
                logger.info("default monitoring queries copied", metadata: ["namespace": "\(namespace)", "configMap": "\(name)", "outcome": "\(outcome)"])
            }
        } catch {
            logger.warning("cannot copy the default monitoring queries", metadata: ["namespace": "\(namespace)", "error": "\(error)"])
        }
    }
}
