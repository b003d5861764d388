/// `spec.backup`.
public struct BackupConfiguration: Codable, Sendable, Equatable {
    public var volumeSnapshot: VolumeSnapshotConfiguration?
    public var barmanObjectStore: BarmanObjectStoreConfiguration?
    public var retentionPolicy: String?
    public var target: String?
    public init() {}
}

extension BackupConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "retentionPolicy": SchemaAnnotation(pattern: "^[1-9][0-9]*[dwm]$"),
            "target": .oneOf("primary", "prefer-standby", default: "prefer-standby"),
        ]
    }
}

public struct BarmanObjectStoreConfiguration: Codable, Sendable, Equatable {
    public var s3Credentials: S3Credentials?
    public var azureCredentials: AzureCredentials?
    public var googleCredentials: GoogleCredentials?
    public var endpointURL: String?
    public var endpointCA: KeySelector?
    public var destinationPath: String
    public var serverName: String?
    public var wal: WalBackupConfiguration?
    public var data: DataBackupConfiguration?
    public var tags: [String: String]?
    public var historyTags: [String: String]?
    public init(destinationPath: String) { self.destinationPath = destinationPath }
}

extension BarmanObjectStoreConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] { ["destinationPath": SchemaAnnotation(minLength: 1)] }
}

public struct S3Credentials: Codable, Sendable, Equatable {
    public var accessKeyId: KeySelector?
    public var secretAccessKey: KeySelector?
    public var region: KeySelector?
    public var sessionToken: KeySelector?
    public var inheritFromIAMRole: Bool?
}

public struct AzureCredentials: Codable, Sendable, Equatable {
    public var connectionString: KeySelector?
    public var storageAccount: KeySelector?
    public var storageKey: KeySelector?
    public var storageSasToken: KeySelector?
    public var inheritFromAzureAD: Bool?
}

public struct GoogleCredentials: Codable, Sendable, Equatable {
    public var applicationCredentials: KeySelector?
    public var gkeEnvironment: Bool?
}

public struct WalBackupConfiguration: Codable, Sendable, Equatable {
    public var compression: String?
    public var encryption: String?
    public var maxParallel: Int?
    public var archiveAdditionalCommandArgs: [String]?
    public var restoreAdditionalCommandArgs: [String]?
}

extension WalBackupConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "compression": .oneOf("bzip2", "gzip", "lz4", "snappy", "xz", "zstd"),
            "encryption": .oneOf("AES256", "aws:kms"),
            "maxParallel": SchemaAnnotation(minimum: 1),
        ]
    }
}

public struct DataBackupConfiguration: Codable, Sendable, Equatable {
    public var compression: String?
    public var encryption: String?
    public var jobs: Int32?
    public var immediateCheckpoint: Bool?
    public var additionalCommandArgs: [String]?
}

extension DataBackupConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "compression": .oneOf("bzip2", "gzip", "snappy"),
            "encryption": .oneOf("AES256", "aws:kms"),
            "jobs": SchemaAnnotation(minimum: 1),
        ]
    }
}

public struct VolumeSnapshotConfiguration: Codable, Sendable, Equatable {
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var className: String?
    public var walClassName: String?
    public var tablespaceClassName: [String: String]?
    public var snapshotOwnerReference: String?
    public var online: Bool?
    public var onlineConfiguration: OnlineConfiguration?
}

extension VolumeSnapshotConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "snapshotOwnerReference": .oneOf("none", "cluster", "backup", default: "none"),
            "online": SchemaAnnotation(defaultValue: .bool(true)),
        ]
    }
}

public struct OnlineConfiguration: Codable, Sendable, Equatable {
    public var waitForArchive: Bool?
    public var immediateCheckpoint: Bool?

    public init(waitForArchive: Bool? = nil, immediateCheckpoint: Bool? = nil) {
        self.waitForArchive = waitForArchive
        self.immediateCheckpoint = immediateCheckpoint
    }
}

extension OnlineConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        ["waitForArchive": SchemaAnnotation(defaultValue: .bool(true))]
    }
}
