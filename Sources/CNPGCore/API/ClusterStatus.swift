/// Cluster `.status`.
public struct ClusterStatus: Codable, Sendable, Equatable {
    public var instances: Int?
    public var readyInstances: Int?
    public var selector: String?
    public var instancesStatus: [String: [String]]?
    public var instancesReportedState: [String: InstanceReportedState]?
    public var managedRolesStatus: ManagedRoles?
    public var tablespacesStatus: [TablespaceState]?
    public var podSelectorRefs: [PodSelectorRefStatus]?
    public var timelineID: Int?
    public var topology: Topology?
    public var latestGeneratedNode: Int?
    public var currentPrimary: String?
    public var targetPrimary: String?
    public var lastPromotionToken: String?
    public var pvcCount: Int32?
    public var jobCount: Int32?
    public var danglingPVC: [String]?
    public var resizingPVC: [String]?
    public var initializingPVC: [String]?
    public var healthyPVC: [String]?
    public var unusablePVC: [String]?
    public var writeService: String?
    public var readService: String?
    public var phase: String?
    public var phaseReason: String?
    public var secretsResourceVersion: SecretsResourceVersion?
    public var configMapResourceVersion: ConfigMapResourceVersion?
    public var certificates: CertificatesStatus?
    public var firstRecoverabilityPoint: String?
    public var firstRecoverabilityPointByMethod: [String: String]?
    public var lastSuccessfulBackup: String?
    public var lastSuccessfulBackupByMethod: [String: String]?
    public var lastFailedBackup: String?
    public var cloudNativePGCommitHash: String?
    public var currentPrimaryTimestamp: String?
    public var currentPrimaryFailingSinceTimestamp: String?
    public var targetPrimaryTimestamp: String?
    public var cloudNativePGOperatorHash: String?
    public var conditions: [Condition]?
    public var instanceNames: [String]?
    public var onlineUpdateEnabled: Bool?
    public var image: String?
    public var pgDataImageInfo: ImageInfo?
    public var targetPgDataImageInfo: ImageInfo?
    public var pluginStatus: [PluginStatus]?
    public var switchReplicaClusterStatus: SwitchReplicaClusterStatus?
    public var demotionToken: String?
    public var systemID: String?
    public var operatorCertificateFingerprint: String?
    public var availableArchitectures: [AvailableArchitecture]?
    public var poolerIntegrations: PoolerIntegrations?
    public init() {}
}

extension ClusterStatus {
    /// The instance a switchover or failover is handing the primary role to: `targetPrimary` while
    /// it differs from a recorded `currentPrimary`; nil otherwise (a bootstrap records none yet).
    public var handoverTarget: String? {
        guard let current = currentPrimary, !current.isEmpty, let target = targetPrimary, target != current else { return nil }
        return target
    }
}

public struct InstanceReportedState: Codable, Sendable, Equatable {
    public var isPrimary: Bool
    public var timeLineID: Int?
    public var ip: String

    public init(isPrimary: Bool, timeLineID: Int?, ip: String) {
        self.isPrimary = isPrimary
        self.timeLineID = timeLineID
        self.ip = ip
    }
}

public struct ManagedRoles: Codable, Sendable, Equatable {
    public var byStatus: [String: [String]]?
    public var cannotReconcile: [String: [String]]?
    public var passwordStatus: [String: PasswordState]?

    public init(byStatus: [String: [String]]? = nil, cannotReconcile: [String: [String]]? = nil, passwordStatus: [String: PasswordState]? = nil) {
        self.byStatus = byStatus
        self.cannotReconcile = cannotReconcile
        self.passwordStatus = passwordStatus
    }
}

public struct PasswordState: Codable, Sendable, Equatable {
    public var transactionID: Int64?
    public var resourceVersion: String?

    public init(transactionID: Int64?, resourceVersion: String?) {
        self.transactionID = transactionID
        self.resourceVersion = resourceVersion
    }
}

public struct TablespaceState: Codable, Sendable, Equatable {
    public var name: String
    public var owner: String?
    public var state: String
    public var error: String?
}

public struct PodSelectorRefStatus: Codable, Sendable, Equatable {
    public var name: String
    public var ips: [String]
}

public struct Topology: Codable, Sendable, Equatable {
    public var instances: [String: [String: String]]?
    public var nodesUsed: Int32?
    public var successfullyExtracted: Bool?
}

public struct SecretsResourceVersion: Codable, Sendable, Equatable {
    public var superuserSecretVersion: String?
    public var replicationSecretVersion: String?
    public var applicationSecretVersion: String?
    public var managedRoleSecretVersion: [String: String]?
    public var caSecretVersion: String?
    public var clientCaSecretVersion: String?
    public var serverCaSecretVersion: String?
    public var serverSecretVersion: String?
    public var barmanEndpointCA: String?
    public var externalClusterSecretVersion: [String: String]?
    public var metrics: [String: String]?
}

public struct ConfigMapResourceVersion: Codable, Sendable, Equatable {
    public var metrics: [String: String]?
}

public struct CertificatesStatus: Codable, Sendable, Equatable {
    public var serverCASecret: String?
    public var serverTLSSecret: String?
    public var replicationTLSSecret: String?
    public var clientCASecret: String?
    public var serverAltDNSNames: [String]?
    public var expirations: [String: String]?
}

public struct ImageInfo: Codable, Sendable, Equatable {
    public var image: String
    public var majorVersion: Int
    public var extensions: [ExtensionConfiguration]?
}

public struct PluginStatus: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var capabilities: [String]?
    public var operatorCapabilities: [String]?
    public var walCapabilities: [String]?
    public var backupCapabilities: [String]?
    public var restoreJobHookCapabilities: [String]?
    public var status: String?
}

public struct SwitchReplicaClusterStatus: Codable, Sendable, Equatable {
    public var inProgress: Bool?
}

public struct AvailableArchitecture: Codable, Sendable, Equatable {
    public var goArch: String
    public var hash: String

    public init(goArch: String, hash: String) {
        self.goArch = goArch
        self.hash = hash
    }
}

public struct PoolerIntegrations: Codable, Sendable, Equatable {
    public var pgBouncerIntegration: PgBouncerIntegrationStatus?
}

public struct PgBouncerIntegrationStatus: Codable, Sendable, Equatable {
    public var secrets: [String]?
}
