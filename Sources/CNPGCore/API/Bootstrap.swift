/// `spec.bootstrap`: exactly one of initdb, recovery, pg_basebackup.
public struct BootstrapConfiguration: Codable, Sendable, Equatable {
    public var initdb: BootstrapInitDB?
    public var recovery: BootstrapRecovery?
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public var pg_basebackup: BootstrapPgBaseBackup?
    public init() {}

    /// The application database, its owner and the user's credentials secret, whichever method bootstraps.
    public var application: (database: String?, owner: String?, secret: LocalObjectReference?) {
        if let initdb { return (initdb.database, initdb.owner, initdb.secret) }
        if let recovery { return (recovery.database, recovery.owner, recovery.secret) }
        if let basebackup = pg_basebackup { return (basebackup.database, basebackup.owner, basebackup.secret) }
        return (nil, nil, nil)
    }
}

public struct BootstrapInitDB: Codable, Sendable, Equatable {
    public var database: String?
    public var owner: String?
    public var secret: LocalObjectReference?
    public var options: [String]?
    public var dataChecksums: Bool?
    public var encoding: String?
    public var localeCollate: String?
    public var localeCType: String?
    public var locale: String?
    public var localeProvider: String?
    public var icuLocale: String?
    public var icuRules: String?
    public var builtinLocale: String?
    public var walSegmentSize: Int?
    public var postInitSQL: [String]?
    public var postInitApplicationSQL: [String]?
    public var postInitTemplateSQL: [String]?
    public var `import`: Import?
    public var postInitApplicationSQLRefs: SQLRefs?
    public var postInitTemplateSQLRefs: SQLRefs?
    public var postInitSQLRefs: SQLRefs?
    public init() {}
}

extension BootstrapInitDB: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        ["walSegmentSize": SchemaAnnotation(minimum: 1, maximum: 1024)]
    }
}

public struct SQLRefs: Codable, Sendable, Equatable {
    public var secretRefs: [KeySelector]?
    public var configMapRefs: [KeySelector]?
}

public struct Import: Codable, Sendable, Equatable {
    public var source: ImportSource
    public var type: String
    public var databases: [String]
    public var roles: [String]?
    public var postImportApplicationSQL: [String]?
    public var schemaOnly: Bool?
    public var pgDumpExtraOptions: [String]?
    public var pgRestoreExtraOptions: [String]?
    public var pgRestorePredataOptions: [String]?
    public var pgRestoreDataOptions: [String]?
    public var pgRestorePostdataOptions: [String]?
}

extension Import: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] { ["type": .oneOf("microservice", "monolith")] }
}

public struct ImportSource: Codable, Sendable, Equatable {
    public var externalCluster: String
}

public struct BootstrapRecovery: Codable, Sendable, Equatable {
    public var backup: BackupSource?
    public var source: String?
    public var volumeSnapshots: DataSource?
    public var recoveryTarget: RecoveryTarget?
    public var database: String?
    public var owner: String?
    public var secret: LocalObjectReference?
    public init() {}
}

public struct BackupSource: Codable, Sendable, Equatable {
    public var name: String
    public var endpointCA: KeySelector?
}

public struct DataSource: Codable, Sendable, Equatable {
    public var storage: TypedLocalObjectReference
    public var walStorage: TypedLocalObjectReference?
    public var tablespaceStorage: [String: TypedLocalObjectReference]?
}

public struct RecoveryTarget: Codable, Sendable, Equatable {
    public var backupID: String?
    public var targetTLI: String?
    public var targetXID: String?
    public var targetName: String?
    public var targetLSN: String?
    public var targetTime: String?
    public var targetImmediate: Bool?
    public var exclusive: Bool?
    public init() {}
}

public struct BootstrapPgBaseBackup: Codable, Sendable, Equatable {
    public var source: String
    public var database: String?
    public var owner: String?
    public var secret: LocalObjectReference?
}

extension BootstrapPgBaseBackup: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] { ["source": SchemaAnnotation(minLength: 1)] }
}
