/// corev1.PersistentVolumeClaimSpec.
public struct PersistentVolumeClaimSpec: Codable, Sendable, Equatable {
    public var accessModes: [String]?
    public var selector: LabelSelector?
    public var resources: VolumeResourceRequirements?
    public var volumeName: String?
    public var storageClassName: String?
    public var volumeMode: String?
    public var dataSource: TypedLocalObjectReference?
    public var dataSourceRef: TypedObjectReference?
    public var volumeAttributesClassName: String?
    public init() {}
}

/// corev1.PersistentVolumeClaimTemplate (inside an ephemeral volume source).
public struct PersistentVolumeClaimTemplate: Codable, Sendable, Equatable {
    public var metadata: EmbeddedMetadata?
    public var spec: PersistentVolumeClaimSpec
}

/// corev1.EphemeralVolumeSource.
public struct EphemeralVolumeSource: Codable, Sendable, Equatable {
    public var volumeClaimTemplate: PersistentVolumeClaimTemplate?
    public init() {}
}
