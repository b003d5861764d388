/// corev1.EnvVar.
public struct EnvVar: Codable, Sendable, Equatable {
    public var name: String
    public var value: String?
    public var valueFrom: EnvVarSource?
    public init(name: String, value: String? = nil, valueFrom: EnvVarSource? = nil) {
        self.name = name
        self.value = value
        self.valueFrom = valueFrom
    }
}

public struct EnvVarSource: Codable, Sendable, Equatable {
    public var fieldRef: ObjectFieldSelector?
    public var resourceFieldRef: ResourceFieldSelector?
    public var configMapKeyRef: OptionalKeySelector?
    public var secretKeyRef: OptionalKeySelector?
    public var fileKeyRef: FileKeySelector?
    public init() {}
}

public struct ObjectFieldSelector: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var fieldPath: String
    public init(apiVersion: String? = nil, fieldPath: String) {
        self.apiVersion = apiVersion
        self.fieldPath = fieldPath
    }
}

public struct ResourceFieldSelector: Codable, Sendable, Equatable {
    public var containerName: String?
    public var resource: String
    public var divisor: Quantity?
}

public struct FileKeySelector: Codable, Sendable, Equatable {
    public var volumeName: String
    public var path: String
    public var key: String
    public var optional: Bool?
}

/// corev1.EnvFromSource.
public struct EnvFromSource: Codable, Sendable, Equatable {
    public var prefix: String?
    public var configMapRef: OptionalNameReference?
    public var secretRef: OptionalNameReference?
}

public struct OptionalNameReference: Codable, Sendable, Equatable {
    public var name: String?
    public var optional: Bool?
}
