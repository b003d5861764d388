/// corev1.ServiceSpec.
public struct ServiceSpec: Codable, Sendable, Equatable {
    public var ports: [ServicePort]?
    public var selector: [String: String]?
    public var clusterIP: String?
    public var clusterIPs: [String]?
    public var type: String?
    public var externalIPs: [String]?
    public var sessionAffinity: String?
    public var loadBalancerIP: String?
    public var loadBalancerSourceRanges: [String]?
    public var externalName: String?
    public var externalTrafficPolicy: String?
    public var healthCheckNodePort: Int32?
    public var publishNotReadyAddresses: Bool?
    public var sessionAffinityConfig: SessionAffinityConfig?
    public var ipFamilies: [String]?
    public var ipFamilyPolicy: String?
    public var allocateLoadBalancerNodePorts: Bool?
    public var loadBalancerClass: String?
    public var internalTrafficPolicy: String?
    public var trafficDistribution: String?
    public init() {}
}

public struct ServicePort: Codable, Sendable, Equatable {
    public var name: String?
    public var `protocol`: String?
    public var appProtocol: String?
    public var port: Int32
    public var targetPort: IntOrString?
    public var nodePort: Int32?
    public init(name: String?, port: Int32, targetPort: IntOrString?, protocol: String? = "TCP") {
        self.name = name
        self.port = port
        self.targetPort = targetPort
        self.protocol = `protocol`
    }
}

public struct SessionAffinityConfig: Codable, Sendable, Equatable {
    public var clientIP: ClientIPConfig?
}

public struct ClientIPConfig: Codable, Sendable, Equatable {
    public var timeoutSeconds: Int32?
}

/// CNPG's ServiceTemplateSpec: metadata (name, labels, annotations) plus a ServiceSpec.
public struct ServiceTemplateSpec: Codable, Sendable, Equatable {
    public var metadata: ServiceTemplateMetadata?
    public var spec: ServiceSpec?
    public init() {}
}

public struct ServiceTemplateMetadata: Codable, Sendable, Equatable {
    public var name: String?
    public var labels: [String: String]?
    public var annotations: [String: String]?
}
