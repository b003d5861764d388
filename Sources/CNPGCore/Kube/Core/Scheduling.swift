/// corev1.Affinity and its parts.
public struct Affinity: Codable, Sendable, Equatable {
    public var nodeAffinity: NodeAffinity?
    public var podAffinity: PodAffinity?
    public var podAntiAffinity: PodAntiAffinity?
    public init() {}
}

public struct NodeAffinity: Codable, Sendable, Equatable {
    public var requiredDuringSchedulingIgnoredDuringExecution: NodeSelector?
    public var preferredDuringSchedulingIgnoredDuringExecution: [PreferredSchedulingTerm]?
    public init() {}
}

public struct NodeSelector: Codable, Sendable, Equatable {
    public var nodeSelectorTerms: [NodeSelectorTerm]
}

public struct NodeSelectorTerm: Codable, Sendable, Equatable {
    public var matchExpressions: [NodeSelectorRequirement]?
    public var matchFields: [NodeSelectorRequirement]?
}

public struct NodeSelectorRequirement: Codable, Sendable, Equatable {
    public var key: String
    public var `operator`: String
    public var values: [String]?
}

public struct PreferredSchedulingTerm: Codable, Sendable, Equatable {
    public var weight: Int32
    public var preference: NodeSelectorTerm
}

public struct PodAffinity: Codable, Sendable, Equatable {
    public var requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]?
    public var preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]?
    public init() {}
}

public struct PodAntiAffinity: Codable, Sendable, Equatable {
    public var requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]?
    public var preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]?
    public init() {}
}

public struct PodAffinityTerm: Codable, Sendable, Equatable {
    public var labelSelector: LabelSelector?
    public var namespaces: [String]?
    public var topologyKey: String
    public var namespaceSelector: LabelSelector?
    public var matchLabelKeys: [String]?
    public var mismatchLabelKeys: [String]?
    public init(labelSelector: LabelSelector?, topologyKey: String) {
        self.labelSelector = labelSelector
        self.topologyKey = topologyKey
    }
}

public struct WeightedPodAffinityTerm: Codable, Sendable, Equatable {
    public var weight: Int32
    public var podAffinityTerm: PodAffinityTerm
    public init(weight: Int32, podAffinityTerm: PodAffinityTerm) {
        self.weight = weight
        self.podAffinityTerm = podAffinityTerm
    }
}

/// corev1.Toleration.
public struct Toleration: Codable, Sendable, Equatable {
    public var key: String?
    public var `operator`: String?
    public var value: String?
    public var effect: String?
    public var tolerationSeconds: Int64?
    public init() {}
}

/// corev1.TopologySpreadConstraint.
public struct TopologySpreadConstraint: Codable, Sendable, Equatable {
    public var maxSkew: Int32
    public var topologyKey: String
    public var whenUnsatisfiable: String
    public var labelSelector: LabelSelector?
    public var minDomains: Int32?
    public var nodeAffinityPolicy: String?
    public var nodeTaintsPolicy: String?
    public var matchLabelKeys: [String]?
}
