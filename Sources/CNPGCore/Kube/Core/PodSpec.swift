/// corev1.PodSpec. `containers` is optional because CNPG's Pooler template may leave it out;
/// every generated pod sets it.
public struct PodSpec: Codable, Sendable, Equatable {
    public var volumes: [Volume]?
    public var initContainers: [Container]?
    public var containers: [Container]?
    public var restartPolicy: String?
    public var terminationGracePeriodSeconds: Int64?
    public var activeDeadlineSeconds: Int64?
    public var dnsPolicy: String?
    public var nodeSelector: [String: String]?
    public var serviceAccountName: String?
    public var automountServiceAccountToken: Bool?
    public var nodeName: String?
    public var hostNetwork: Bool?
    public var hostPID: Bool?
    public var hostIPC: Bool?
    public var shareProcessNamespace: Bool?
    public var securityContext: PodSecurityContext?
    public var imagePullSecrets: [LocalObjectReference]?
    public var hostname: String?
    public var subdomain: String?
    public var affinity: Affinity?
    public var schedulerName: String?
    public var tolerations: [Toleration]?
    public var hostAliases: [HostAlias]?
    public var priorityClassName: String?
    public var priority: Int32?
    public var dnsConfig: PodDNSConfig?
    public var readinessGates: [PodReadinessGate]?
    public var runtimeClassName: String?
    public var enableServiceLinks: Bool?
    public var preemptionPolicy: String?
    public var overhead: [String: Quantity]?
    public var topologySpreadConstraints: [TopologySpreadConstraint]?
    public var setHostnameAsFQDN: Bool?
    public var os: PodOS?
    public var hostUsers: Bool?
    public var resources: ResourceRequirements?
    public init(containers: [Container]? = nil) { self.containers = containers }
}

public struct HostAlias: Codable, Sendable, Equatable {
    public var ip: String
    public var hostnames: [String]?
}

public struct PodDNSConfig: Codable, Sendable, Equatable {
    public var nameservers: [String]?
    public var searches: [String]?
    public var options: [PodDNSConfigOption]?
}

public struct PodDNSConfigOption: Codable, Sendable, Equatable {
    public var name: String?
    public var value: String?
}

public struct PodReadinessGate: Codable, Sendable, Equatable {
    public var conditionType: String
}

public struct PodOS: Codable, Sendable, Equatable {
    public var name: String
}

/// A pod template whose spec may be partial (CNPG's Pooler template: containers are optional).
public struct PodTemplateSpec: Codable, Sendable, Equatable {
    public var metadata: EmbeddedMetadata?
    public var spec: PodSpec?
    public init() {}
}

/// appsv1.DeploymentStrategy.
public struct DeploymentStrategy: Codable, Sendable, Equatable {
    public var type: String?
    public var rollingUpdate: RollingUpdateDeployment?
}

public struct RollingUpdateDeployment: Codable, Sendable, Equatable {
    public var maxUnavailable: IntOrString?
    public var maxSurge: IntOrString?
}
