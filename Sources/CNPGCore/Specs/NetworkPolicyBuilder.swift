/// An ingress NetworkPolicy for a cluster's instances that lets in only what the cluster needs:
/// the operator on the status port, Prometheus on the metrics port, clients and the other
/// instances (replication) on PostgreSQL's port.
public enum NetworkPolicyBuilder {
    public struct Options: Sendable, Equatable {
        public var operatorNamespace = "cnpg-system"
        /// Labels of the namespace Prometheus runs in; nil closes the metrics port.
        public var monitoringNamespaceLabels: [String: String]? = ["kubernetes.io/metadata.name": "monitoring"]
        /// Which pods of the cluster's namespace may connect to PostgreSQL; nil allows every pod there.
        public var clientPodSelector: LabelSelector?
        public init() {}
    }

    public static func policy(for cluster: Cluster, options: Options = Options()) -> NetworkPolicy {
        let name = cluster.metadata.name ?? ""
        let instances = LabelSelector(matchLabels: [CNPGLabels.cluster: name, CNPGLabels.podRole: "instance"])
        let operatorPeer = NetworkPolicyPeer(
            podSelector: LabelSelector(matchLabels: [CNPGLabels.appName: "cloudnative-pg"]),
            namespaceSelector: LabelSelector(matchLabels: ["kubernetes.io/metadata.name": options.operatorNamespace]))
        var rules = [
            NetworkPolicyIngressRule(ports: [NetworkPolicyPort(port: Int(InstancePodBuilder.statusPort))], from: [operatorPeer]),
            NetworkPolicyIngressRule(ports: [NetworkPolicyPort(port: Int(InstancePodBuilder.postgresPort))],
                                     from: [NetworkPolicyPeer(podSelector: instances)]),
            NetworkPolicyIngressRule(ports: [NetworkPolicyPort(port: Int(InstancePodBuilder.postgresPort))],
                                     from: [NetworkPolicyPeer(podSelector: options.clientPodSelector ?? LabelSelector())]),
        ]
        if let monitoring = options.monitoringNamespaceLabels {
            rules.append(NetworkPolicyIngressRule(ports: [NetworkPolicyPort(port: Int(InstancePodBuilder.metricsPort))],
                                                  from: [NetworkPolicyPeer(namespaceSelector: LabelSelector(matchLabels: monitoring))]))
        }
        return NetworkPolicy(metadata: ClusterObjectMetadata.make(for: cluster, name: name),
                             spec: NetworkPolicySpec(podSelector: instances, ingress: rules, policyTypes: ["Ingress"]))
    }
}
