/// `postgresql.cnpg.io/v1` Cluster.
public struct Cluster: Codable, Sendable, Equatable, CNPGResource {
    public static let kind = "Cluster"
    public static let plural = "clusters"

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ClusterSpec
    public var status: ClusterStatus?

    public init(name: String, namespace: String? = nil, spec: ClusterSpec = ClusterSpec()) {
        apiVersion = CNPG.apiVersion
        kind = Self.kind
        metadata = ObjectMeta(name: name, namespace: namespace)
        self.spec = spec
    }
}

public struct ClusterSpec: Codable, Sendable, Equatable {
    public var description: String?
    public var inheritedMetadata: EmbeddedMetadata?
    public var imageName: String?
    public var imageCatalogRef: ImageCatalogRef?
    public var imagePullPolicy: String?
    public var schedulerName: String?
    public var postgresUID: Int64?
    public var postgresGID: Int64?
    public var instances: Int?
    public var minSyncReplicas: Int?
    public var maxSyncReplicas: Int?
    public var postgresql: PostgresConfiguration?
    public var podSelectorRefs: [PodSelectorRef]?
    public var replicationSlots: ReplicationSlotsConfiguration?
    public var bootstrap: BootstrapConfiguration?
    public var replica: ReplicaClusterConfiguration?
    public var superuserSecret: LocalObjectReference?
    public var enableSuperuserAccess: Bool?
    public var certificates: CertificatesConfiguration?
    public var imagePullSecrets: [LocalObjectReference]?
    public var storage: StorageConfiguration?
    public var serviceAccountTemplate: ServiceAccountTemplate?
    public var serviceAccountName: String?
    public var walStorage: StorageConfiguration?
    public var ephemeralVolumeSource: EphemeralVolumeSource?
    public var startDelay: Int32?
    public var stopDelay: Int32?
    public var smartShutdownTimeout: Int32?
    public var switchoverDelay: Int32?
    public var failoverDelay: Int32?
    public var livenessProbeTimeout: Int32?
    public var affinity: AffinityConfiguration?
    public var topologySpreadConstraints: [TopologySpreadConstraint]?
    public var resources: ResourceRequirements?
    public var ephemeralVolumesSizeLimit: EphemeralVolumesSizeLimit?
    public var priorityClassName: String?
    public var primaryUpdateStrategy: String?
    public var primaryUpdateMethod: String?
    public var backup: BackupConfiguration?
    public var nodeMaintenanceWindow: NodeMaintenanceWindow?
    public var monitoring: MonitoringConfiguration?
    public var externalClusters: [ExternalCluster]?
    public var logLevel: String?
    public var projectedVolumeTemplate: ProjectedVolumeSource?
    public var env: [EnvVar]?
    public var envFrom: [EnvFromSource]?
    public var managed: ManagedConfiguration?
    public var seccompProfile: SeccompProfile?
    public var podSecurityContext: PodSecurityContext?
    public var securityContext: SecurityContext?
    public var tablespaces: [TablespaceConfiguration]?
    public var enablePDB: Bool?
    public var plugins: [PluginConfiguration]?
    public var probes: ProbesConfiguration?
    public var primaryLease: PrimaryLeaseConfiguration?

    public init() {}
}

extension ClusterSpec: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "instances": SchemaAnnotation(defaultValue: .int(1), minimum: 1, required: true),
            "postgresUID": SchemaAnnotation(defaultValue: .int(26)),
            "postgresGID": SchemaAnnotation(defaultValue: .int(26)),
            "minSyncReplicas": SchemaAnnotation(defaultValue: .int(0), minimum: 0),
            "maxSyncReplicas": SchemaAnnotation(defaultValue: .int(0), minimum: 0),
            "enableSuperuserAccess": SchemaAnnotation(defaultValue: .bool(false)),
            "startDelay": SchemaAnnotation(defaultValue: .int(3600)),
            "stopDelay": SchemaAnnotation(defaultValue: .int(1800)),
            "smartShutdownTimeout": SchemaAnnotation(defaultValue: .int(180)),
            "switchoverDelay": SchemaAnnotation(defaultValue: .int(3600)),
            "failoverDelay": SchemaAnnotation(defaultValue: .int(0)),
            "primaryUpdateStrategy": .oneOf("unsupervised", "supervised", default: "unsupervised"),
            "primaryUpdateMethod": .oneOf("switchover", "restart", default: "restart"),
            "logLevel": .oneOf("error", "warning", "info", "debug", "trace", default: "info"),
            "enablePDB": SchemaAnnotation(defaultValue: .bool(true)),
            "serviceAccountName": SchemaAnnotation(maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"),
            "replicationSlots": SchemaAnnotation(defaultValue: .object([("highAvailability", .object([("enabled", .bool(true))]))])),
        ]
    }
}

public struct ImageCatalogRef: Codable, Sendable, Equatable {
    public var apiGroup: String?
    public var kind: String
    public var name: String
    public var major: Int
}

public struct PodSelectorRef: Codable, Sendable, Equatable {
    public var name: String
    public var selector: LabelSelector
}

public struct ServiceAccountTemplate: Codable, Sendable, Equatable {
    public var metadata: ServiceTemplateMetadata
}

public struct EphemeralVolumesSizeLimit: Codable, Sendable, Equatable {
    public var shm: Quantity?
    public var temporaryData: Quantity?
}

public struct NodeMaintenanceWindow: Codable, Sendable, Equatable {
    public var reusePVC: Bool?
    public var inProgress: Bool?
}

public struct PluginConfiguration: Codable, Sendable, Equatable {
    public var name: String
    public var enabled: Bool?
    public var isWALArchiver: Bool?
    public var parameters: [String: String]?
    public init(name: String, enabled: Bool? = nil) {
        self.name = name
        self.enabled = enabled
    }
}

public struct PrimaryLeaseConfiguration: Codable, Sendable, Equatable {
    public var leaseDurationSeconds: Int32?
    public var renewDeadlineSeconds: Int32?
    public var retryPeriodSeconds: Int32?
    public var releasedLeaseDurationSeconds: Int32?

    public init(
        leaseDurationSeconds: Int32? = nil, renewDeadlineSeconds: Int32? = nil, retryPeriodSeconds: Int32? = nil,
        releasedLeaseDurationSeconds: Int32? = nil
    ) {
        (self.leaseDurationSeconds, self.renewDeadlineSeconds, self.retryPeriodSeconds, self.releasedLeaseDurationSeconds) =
            (leaseDurationSeconds, renewDeadlineSeconds, retryPeriodSeconds, releasedLeaseDurationSeconds)
    }
}

extension PrimaryLeaseConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "leaseDurationSeconds": SchemaAnnotation(defaultValue: .int(15), minimum: 1),
            "renewDeadlineSeconds": SchemaAnnotation(defaultValue: .int(10), minimum: 1),
            "retryPeriodSeconds": SchemaAnnotation(defaultValue: .int(2), minimum: 1),
            "releasedLeaseDurationSeconds": SchemaAnnotation(defaultValue: .int(1), minimum: 1),
        ]
    }
}
