/// `postgresql.cnpg.io/v1` Pooler.
public struct Pooler: Codable, Sendable, Equatable, CNPGResource {
    public static let kind = "Pooler"
    public static let plural = "poolers"

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PoolerSpec
    public var status: PoolerStatus?
}

public struct PoolerSpec: Codable, Sendable, Equatable {
    public var cluster: LocalObjectReference
    public var type: String?
    public var instances: Int32?
    public var template: PodTemplateSpec?
    public var pgbouncer: PgBouncerSpec?
    public var deploymentStrategy: DeploymentStrategy?
    public var monitoring: PoolerMonitoringConfiguration?
    public var serviceTemplate: ServiceTemplateSpec?
    public var serviceAccountName: String?
    public init(cluster: LocalObjectReference) { self.cluster = cluster }
}

extension PoolerSpec: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "type": .oneOf("rw", "ro", "r", default: "rw"),
            "instances": SchemaAnnotation(defaultValue: .int(1)),
            "pgbouncer": SchemaAnnotation(required: true),
            "serviceAccountName": SchemaAnnotation(maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"),
        ]
    }
}

public struct PgBouncerSpec: Codable, Sendable, Equatable {
    public var poolMode: String?
    public var serverTLSSecret: LocalObjectReference?
    public var serverCASecret: LocalObjectReference?
    public var clientCASecret: LocalObjectReference?
    public var clientTLSSecret: LocalObjectReference?
    public var authQuerySecret: LocalObjectReference?
    public var authQuery: String?
    public var parameters: [String: String]?
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public var pg_hba: [String]?
    public var paused: Bool?
    public var image: String?
    public var imageCatalogRef: PoolerImageCatalogRef?
    public init() {}
}

extension PgBouncerSpec: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "poolMode": .oneOf("session", "transaction", default: "session"),
            "paused": SchemaAnnotation(defaultValue: .bool(false)),
        ]
    }
}

public struct PoolerImageCatalogRef: Codable, Sendable, Equatable {
    public var apiGroup: String?
    public var kind: String
    public var name: String
    public var key: String
}

public struct PoolerMonitoringConfiguration: Codable, Sendable, Equatable {
    public var enablePodMonitor: Bool?
    public var podMonitorMetricRelabelings: [JSONValue]?
    public var podMonitorRelabelings: [JSONValue]?
    public var tls: TLSToggle?
}

public struct PoolerStatus: Codable, Sendable, Equatable {
    public var secrets: PoolerSecrets?
    public var instances: Int32?
    public var phase: String?
    public var phaseReason: String?
    public var image: String?
    public var error: String?
    public init() {}
}

public struct PoolerSecrets: Codable, Sendable, Equatable {
    public var clientTLS: SecretVersion?
    public var serverTLS: SecretVersion?
    public var serverCA: SecretVersion?
    public var clientCA: SecretVersion?
    public var pgBouncerSecrets: PgBouncerSecrets?
}

public struct SecretVersion: Codable, Sendable, Equatable {
    public var name: String?
    public var version: String?
}

public struct PgBouncerSecrets: Codable, Sendable, Equatable {
    public var authQuery: SecretVersion?
}
