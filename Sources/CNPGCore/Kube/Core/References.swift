/// corev1.LocalObjectReference (CNPG's own LocalObjectReference has the same shape).
public struct LocalObjectReference: Codable, Sendable, Equatable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// A reference to a key in a Secret or ConfigMap in the object's namespace (CNPG's SecretKeySelector/ConfigMapKeySelector).
public struct KeySelector: Codable, Sendable, Equatable {
    public var name: String
    public var key: String
    public init(name: String, key: String) {
        self.name = name
        self.key = key
    }
}

/// corev1.SecretKeySelector / ConfigMapKeySelector (with `optional`).
public struct OptionalKeySelector: Codable, Sendable, Equatable {
    public var name: String?
    public var key: String
    public var optional: Bool?
    public init(name: String?, key: String, optional: Bool? = nil) {
        self.name = name
        self.key = key
        self.optional = optional
    }
}

public struct TypedLocalObjectReference: Codable, Sendable, Equatable {
    public var apiGroup: String?
    public var kind: String
    public var name: String
    public init(apiGroup: String? = nil, kind: String, name: String) {
        self.apiGroup = apiGroup
        self.kind = kind
        self.name = name
    }
}

public struct TypedObjectReference: Codable, Sendable, Equatable {
    public var apiGroup: String?
    public var kind: String
    public var name: String
    public var namespace: String?
}
