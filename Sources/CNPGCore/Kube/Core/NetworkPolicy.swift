/// networking.k8s.io/v1 NetworkPolicy.
public struct NetworkPolicy: Codable, Sendable, Equatable {
    public var apiVersion = "networking.k8s.io/v1"
    public var kind = "NetworkPolicy"
    public var metadata: ObjectMeta
    public var spec: NetworkPolicySpec
    public init(metadata: ObjectMeta, spec: NetworkPolicySpec) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct NetworkPolicySpec: Codable, Sendable, Equatable {
    public var podSelector: LabelSelector
    public var ingress: [NetworkPolicyIngressRule]?
    public var egress: [JSONValue]?
    public var policyTypes: [String]?
    public init(podSelector: LabelSelector, ingress: [NetworkPolicyIngressRule], policyTypes: [String]) {
        self.podSelector = podSelector
        self.ingress = ingress
        self.policyTypes = policyTypes
    }
}

public struct NetworkPolicyIngressRule: Codable, Sendable, Equatable {
    public var ports: [NetworkPolicyPort]?
    public var from: [NetworkPolicyPeer]?
    public init(ports: [NetworkPolicyPort], from: [NetworkPolicyPeer]) {
        self.ports = ports
        self.from = from
    }
}

public struct NetworkPolicyPort: Codable, Sendable, Equatable {
    public var `protocol`: String?
    public var port: IntOrString?
    public var endPort: Int32?
    public init(port: Int) {
        self.protocol = "TCP"
        self.port = .int(port)
    }
}

public struct NetworkPolicyPeer: Codable, Sendable, Equatable {
    public var podSelector: LabelSelector?
    public var namespaceSelector: LabelSelector?
    public var ipBlock: JSONValue?
    public init(podSelector: LabelSelector? = nil, namespaceSelector: LabelSelector? = nil, ipBlock: JSONValue? = nil) {
        self.podSelector = podSelector
        self.namespaceSelector = namespaceSelector
        self.ipBlock = ipBlock
    }
}
