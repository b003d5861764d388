/// The ingress NetworkPolicy `<cluster>` the operator manages when asked to (operator setting
/// `MANAGE_NETWORK_POLICIES`, or the Cluster annotation `cnpg.io/networkPolicy: managed`): the
/// instances let in only what the cluster needs.
/// - 8000 (status API): the operator's pods, the other instances (their isolation checks call
///   `/failsafe`) and the API server's addresses (`pods/proxy`, which `kubectl cnpg status` uses).
/// - 5432: the other instances (replication) and the client pods of the namespace.
/// - 9187 (metrics): scrapers in the monitoring namespaces.
public enum NetworkPolicyBuilder {
    public static let annotation = "cnpg.io/networkPolicy"

    public struct Options: Sendable, Equatable {
        public var operatorNamespace = "cnpg-system"
        /// Labels of the namespaces scrapers run in: empty (the default) admits every namespace,
        /// nil closes the metrics port.
        public var monitoringNamespaceLabels: [String: String]? = [:]
        /// Which pods of the cluster's namespace may connect to PostgreSQL; nil allows every pod there.
        public var clientPodSelector: LabelSelector?
        /// Where the API server's connections come from (the `kubernetes` Service's endpoints).
        public var apiServerAddresses: [String] = []
        public init() {}
    }

    /// Whether the operator manages the policy of `cluster`: its annotation decides (`managed` or
    /// `unmanaged`), else the operator's setting.
    public static func isManaged(_ cluster: Cluster, operatorDefault: Bool) -> Bool {
        switch cluster.metadata.annotation(annotation) {
        case "managed": return true
        case "unmanaged": return false
        default: return operatorDefault
        }
    }

    public static func policy(for cluster: Cluster, options: Options = Options()) -> NetworkPolicy {
        let name = cluster.metadata.name ?? ""
        let instances = LabelSelector(matchLabels: [CNPGLabels.cluster: name, CNPGLabels.podRole: "instance"])
        let operatorPeer = NetworkPolicyPeer(
            podSelector: LabelSelector(matchLabels: [CNPGLabels.appName: "cloudnative-pg"]),
            namespaceSelector: LabelSelector(matchLabels: ["kubernetes.io/metadata.name": options.operatorNamespace]))
        let apiServer = options.apiServerAddresses.sorted().map { address in
            NetworkPolicyPeer(ipBlock: .object([("cidr", .string(address + (address.contains(":") ? "/128" : "/32")))]))
        }
        var rules = [
            NetworkPolicyIngressRule(
                ports: [NetworkPolicyPort(port: Int(InstancePodBuilder.statusPort))],
                from: [operatorPeer, NetworkPolicyPeer(podSelector: instances)] + apiServer),
            NetworkPolicyIngressRule(
                ports: [NetworkPolicyPort(port: Int(InstancePodBuilder.postgresPort))],
                from: [NetworkPolicyPeer(podSelector: instances)]),
            NetworkPolicyIngressRule(
                ports: [NetworkPolicyPort(port: Int(InstancePodBuilder.postgresPort))],
                from: [NetworkPolicyPeer(podSelector: options.clientPodSelector ?? LabelSelector())]),
        ]
        if let monitoring = options.monitoringNamespaceLabels {
            rules.append(
                NetworkPolicyIngressRule(
                    ports: [NetworkPolicyPort(port: Int(InstancePodBuilder.metricsPort))],
                    from: [NetworkPolicyPeer(namespaceSelector: LabelSelector(matchLabels: monitoring.isEmpty ? nil : monitoring))]))
        }
        return NetworkPolicy(
            metadata: ClusterObjectMetadata.make(for: cluster, name: name),
            spec: NetworkPolicySpec(podSelector: instances, ingress: rules, policyTypes: ["Ingress"]))
    }
}
