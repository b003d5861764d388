/// `postgresql.cnpg.io/v1` Backup.
public struct Backup: Codable, Sendable, Equatable, CNPGResource {
    public static let kind = "Backup"
    public static let plural = "backups"

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: BackupSpec
    public var status: BackupStatus?

    public init(apiVersion: String? = CNPG.apiVersion, kind: String? = Backup.kind, metadata: ObjectMeta, spec: BackupSpec, status: BackupStatus? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

public struct BackupSpec: Codable, Sendable, Equatable {
    public var cluster: LocalObjectReference
    public var target: String?
    public var method: String?
    public var pluginConfiguration: BackupPluginConfiguration?
    public var online: Bool?
    public var onlineConfiguration: OnlineConfiguration?
    public init(cluster: LocalObjectReference) { self.cluster = cluster }
}

extension BackupSpec: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "target": .oneOf("primary", "prefer-standby"),
            "method": .oneOf("barmanObjectStore", "volumeSnapshot", "plugin", default: "barmanObjectStore"),
        ]
    }
}

public struct BackupPluginConfiguration: Codable, Sendable, Equatable {
    public var name: String
    public var parameters: [String: String]?
}

public struct BackupStatus: Codable, Sendable, Equatable {
    public var googleCredentials: GoogleCredentials?
    public var s3Credentials: S3Credentials?
    public var azureCredentials: AzureCredentials?
    public var majorVersion: Int?
    public var endpointCA: KeySelector?
    public var endpointURL: String?
    public var destinationPath: String?
    public var serverName: String?
    public var encryption: String?
    public var backupId: String?
    public var backupName: String?
    public var phase: String?
    public var startedAt: String?
    public var stoppedAt: String?
    public var reconciliationStartedAt: String?
    public var reconciliationTerminatedAt: String?
    public var beginWal: String?
    public var endWal: String?
    public var beginLSN: String?
    public var endLSN: String?
    public var error: String?
    public var commandOutput: String?
    public var commandError: String?
    public var backupLabelFile: String?
    public var tablespaceMapFile: String?
    public var instanceID: InstanceID?
    public var snapshotBackupStatus: SnapshotBackupStatus?
    public var method: String?
    public var online: Bool?
    public var pluginMetadata: [String: String]?
    public init() {}
}

public struct InstanceID: Codable, Sendable, Equatable {
    public var podName: String?
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public var ContainerID: String?
    public var sessionID: String?
}

public struct SnapshotBackupStatus: Codable, Sendable, Equatable {
    public var elements: [BackupSnapshotElementStatus]?
}

public struct BackupSnapshotElementStatus: Codable, Sendable, Equatable {
    public var name: String
    public var type: String
    public var tablespaceName: String?
}

/// `Backup.status.phase` values, as CNPG writes them.
public enum BackupPhase: String, Sendable, CaseIterable {
    case pending, started, running, finalizing, completed, failed, walArchivingFailing
    case invalid = "invalid backup definition"

    public var isFinal: Bool { self == .completed || self == .failed || self == .invalid }
}
