/// `spec.certificates`.
public struct CertificatesConfiguration: Codable, Sendable, Equatable {
    public var serverCASecret: String?
    public var serverTLSSecret: String?
    public var replicationTLSSecret: String?
    public var clientCASecret: String?
    public var serverAltDNSNames: [String]?
    public init() {}
}

/// `spec.affinity`.
public struct AffinityConfiguration: Codable, Sendable, Equatable {
    public var enablePodAntiAffinity: Bool?
    public var topologyKey: String?
    public var nodeSelector: [String: String]?
    public var nodeAffinity: NodeAffinity?
    public var tolerations: [Toleration]?
    public var podAntiAffinityType: String?
    public var additionalPodAntiAffinity: PodAntiAffinity?
    public var additionalPodAffinity: PodAffinity?
    public init() {}
}

/// `spec.monitoring`.
public struct MonitoringConfiguration: Codable, Sendable, Equatable {
    public var disableDefaultQueries: Bool?
    public var customQueriesConfigMap: [KeySelector]?
    public var customQueriesSecret: [KeySelector]?
    public var enablePodMonitor: Bool?
    public var tls: TLSToggle?
    public var podMonitorMetricRelabelings: [JSONValue]?
    public var podMonitorRelabelings: [JSONValue]?
    public var metricsQueriesTTL: String?
    public init() {}
}

extension MonitoringConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "disableDefaultQueries": SchemaAnnotation(defaultValue: .bool(false)),
            "enablePodMonitor": SchemaAnnotation(defaultValue: .bool(false)),
        ]
    }
}

public struct TLSToggle: Codable, Sendable, Equatable {
    public var enabled: Bool?
}

/// `spec.replicationSlots`.
public struct ReplicationSlotsConfiguration: Codable, Sendable, Equatable {
    public var highAvailability: ReplicationSlotsHAConfiguration?
    public var updateInterval: Int?
    public var synchronizeReplicas: SynchronizeReplicasConfiguration?
    public init() {}
}

extension ReplicationSlotsConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        ["updateInterval": SchemaAnnotation(defaultValue: .int(30), minimum: 1)]
    }
}

public struct ReplicationSlotsHAConfiguration: Codable, Sendable, Equatable {
    public var enabled: Bool?
    public var slotPrefix: String?
    public var synchronizeLogicalDecoding: Bool?
    public init(enabled: Bool? = nil, slotPrefix: String? = nil) {
        self.enabled = enabled
        self.slotPrefix = slotPrefix
    }
}

extension ReplicationSlotsHAConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "enabled": SchemaAnnotation(defaultValue: .bool(true)),
            "slotPrefix": SchemaAnnotation(defaultValue: .string("_cnpg_"), pattern: "^[0-9a-z_]*$"),
        ]
    }
}

public struct SynchronizeReplicasConfiguration: Codable, Sendable, Equatable {
    public var enabled: Bool
    public var excludePatterns: [String]?
    public init(enabled: Bool) { self.enabled = enabled }
}

extension SynchronizeReplicasConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        ["enabled": SchemaAnnotation(defaultValue: .bool(true))]
    }
}

/// `spec.replica`.
public struct ReplicaClusterConfiguration: Codable, Sendable, Equatable {
    public var `self`: String?
    public var primary: String?
    public var source: String
    public var enabled: Bool?
    public var promotionToken: String?
    public var minApplyDelay: String?
    public init(source: String) { self.source = source }
}

extension ReplicaClusterConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] { ["source": SchemaAnnotation(minLength: 1)] }
}

/// `spec.externalClusters[]`.
public struct ExternalCluster: Codable, Sendable, Equatable {
    public var name: String
    public var connectionParameters: [String: String]?
    public var sslCert: OptionalKeySelector?
    public var sslKey: OptionalKeySelector?
    public var sslRootCert: OptionalKeySelector?
    public var password: OptionalKeySelector?
    public var barmanObjectStore: BarmanObjectStoreConfiguration?
    public var plugin: PluginReference?
    public init(name: String) { self.name = name }
}

public struct PluginReference: Codable, Sendable, Equatable {
    public var name: String
    public var parameters: [String: String]?
}

/// `spec.managed`.
public struct ManagedConfiguration: Codable, Sendable, Equatable {
    public var roles: [RoleConfiguration]?
    public var services: ManagedServices?
    public init() {}
}

public struct RoleConfiguration: Codable, Sendable, Equatable {
    public var name: String
    public var comment: String?
    public var ensure: String?
    public var passwordSecret: LocalObjectReference?
    public var connectionLimit: Int64?
    public var validUntil: String?
    public var inRoles: [String]?
    public var inherit: Bool?
    public var disablePassword: Bool?
    public var superuser: Bool?
    public var createdb: Bool?
    public var createrole: Bool?
    public var login: Bool?
    public var replication: Bool?
    public var bypassrls: Bool?
    public init(name: String) { self.name = name }
}

extension RoleConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "ensure": .oneOf("present", "absent", default: "present"),
            "connectionLimit": SchemaAnnotation(defaultValue: .int(-1)),
            "inherit": SchemaAnnotation(defaultValue: .bool(true)),
        ]
    }
}

public struct ManagedServices: Codable, Sendable, Equatable {
    public var disabledDefaultServices: [String]?
    public var additional: [ManagedService]?
    public init() {}
}

public struct ManagedService: Codable, Sendable, Equatable {
    public var selectorType: String
    public var updateStrategy: String?
    public var serviceTemplate: ServiceTemplateSpec
}

extension ManagedService: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "selectorType": .oneOf("rw", "r", "ro"),
            "updateStrategy": .oneOf("patch", "replace", default: "patch"),
        ]
    }
}

/// `spec.probes`.
public struct ProbesConfiguration: Codable, Sendable, Equatable {
    public var startup: ProbeWithStrategy?
    public var liveness: LivenessProbe?
    public var readiness: ProbeWithStrategy?
    public init() {}
}

public struct ProbeWithStrategy: Codable, Sendable, Equatable {
    public var initialDelaySeconds: Int32?
    public var timeoutSeconds: Int32?
    public var periodSeconds: Int32?
    public var successThreshold: Int32?
    public var failureThreshold: Int32?
    public var terminationGracePeriodSeconds: Int64?
    public var type: String?
    public var maximumLag: Quantity?
}

extension ProbeWithStrategy: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] { ["type": .oneOf("pg_isready", "streaming", "query")] }
}

public struct LivenessProbe: Codable, Sendable, Equatable {
    public var initialDelaySeconds: Int32?
    public var timeoutSeconds: Int32?
    public var periodSeconds: Int32?
    public var successThreshold: Int32?
    public var failureThreshold: Int32?
    public var terminationGracePeriodSeconds: Int64?
    public var isolationCheck: IsolationCheckConfiguration?
    public init() {}
}

public struct IsolationCheckConfiguration: Codable, Sendable, Equatable {
    public var enabled: Bool?
    public var requestTimeout: Int?
    public var connectionTimeout: Int?
    public init(enabled: Bool?, requestTimeout: Int?, connectionTimeout: Int?) {
        self.enabled = enabled
        self.requestTimeout = requestTimeout
        self.connectionTimeout = connectionTimeout
    }
}

extension IsolationCheckConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "enabled": SchemaAnnotation(defaultValue: .bool(true)),
            "requestTimeout": SchemaAnnotation(defaultValue: .int(1000)),
            "connectionTimeout": SchemaAnnotation(defaultValue: .int(1000)),
        ]
    }
}
