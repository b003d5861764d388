/// `postgresql.cnpg.io/v1` ScheduledBackup.
public struct ScheduledBackup: Codable, Sendable, Equatable, CNPGResource {
    public static let kind = "ScheduledBackup"
    public static let plural = "scheduledbackups"

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ScheduledBackupSpec
    public var status: ScheduledBackupStatus?
}

public struct ScheduledBackupSpec: Codable, Sendable, Equatable {
    public var suspend: Bool?
    public var immediate: Bool?
    public var schedule: String
    public var cluster: LocalObjectReference
    public var backupOwnerReference: String?
    public var target: String?
    public var method: String?
    public var pluginConfiguration: BackupPluginConfiguration?
    public var online: Bool?
    public var onlineConfiguration: OnlineConfiguration?
    public init(schedule: String, cluster: LocalObjectReference) {
        self.schedule = schedule
        self.cluster = cluster
    }
}

extension ScheduledBackupSpec: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "backupOwnerReference": .oneOf("none", "self", "cluster", default: "none"),
            "target": .oneOf("primary", "prefer-standby"),
            "method": .oneOf("barmanObjectStore", "volumeSnapshot", "plugin", default: "barmanObjectStore"),
        ]
    }
}

public struct ScheduledBackupStatus: Codable, Sendable, Equatable {
    public var lastCheckTime: String?
    public var lastScheduleTime: String?
    public var nextScheduleTime: String?
    public var error: String?
}
