/// corev1.ResourceRequirements.
public struct ResourceRequirements: Codable, Sendable, Equatable {
    public var limits: [String: Quantity]?
    public var requests: [String: Quantity]?
    public var claims: [ResourceClaim]?
    public init(limits: [String: Quantity]? = nil, requests: [String: Quantity]? = nil) {
        self.limits = limits
        self.requests = requests
    }
}

public struct ResourceClaim: Codable, Sendable, Equatable {
    public var name: String
    public var request: String?
}

/// corev1.VolumeResourceRequirements (PVC resources).
public struct VolumeResourceRequirements: Codable, Sendable, Equatable {
    public var limits: [String: Quantity]?
    public var requests: [String: Quantity]?
    public init(limits: [String: Quantity]? = nil, requests: [String: Quantity]? = nil) {
        self.limits = limits
        self.requests = requests
    }
}
