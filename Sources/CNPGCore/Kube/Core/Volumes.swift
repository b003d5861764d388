/// corev1.Volume with the volume sources an operator-managed pod can carry.
public struct Volume: Codable, Sendable, Equatable {
    public var name: String
    public var emptyDir: EmptyDirVolumeSource?
    public var secret: SecretVolumeSource?
    public var configMap: ConfigMapVolumeSource?
    public var persistentVolumeClaim: PersistentVolumeClaimVolumeSource?
    public var projected: ProjectedVolumeSource?
    public var downwardAPI: DownwardAPIVolumeSource?
    public var hostPath: HostPathVolumeSource?
    public var ephemeral: EphemeralVolumeSource?
    public var csi: CSIVolumeSource?
    public var image: ImageVolumeSource?
    public var nfs: NFSVolumeSource?
    public init(name: String) { self.name = name }
}

public struct EmptyDirVolumeSource: Codable, Sendable, Equatable {
    public var medium: String?
    public var sizeLimit: Quantity?
    public init(medium: String? = nil, sizeLimit: Quantity? = nil) {
        self.medium = medium
        self.sizeLimit = sizeLimit
    }
}

public struct KeyToPath: Codable, Sendable, Equatable {
    public var key: String
    public var path: String
    public var mode: Int32?
    public init(key: String, path: String, mode: Int32? = nil) {
        self.key = key
        self.path = path
        self.mode = mode
    }
}

public struct SecretVolumeSource: Codable, Sendable, Equatable {
    public var secretName: String?
    public var items: [KeyToPath]?
    public var defaultMode: Int32?
    public var optional: Bool?
    public init(secretName: String? = nil) { self.secretName = secretName }
}

public struct ConfigMapVolumeSource: Codable, Sendable, Equatable {
    public var name: String?
    public var items: [KeyToPath]?
    public var defaultMode: Int32?
    public var optional: Bool?
    public init(name: String? = nil) { self.name = name }
}

public struct PersistentVolumeClaimVolumeSource: Codable, Sendable, Equatable {
    public var claimName: String
    public var readOnly: Bool?
    public init(claimName: String, readOnly: Bool? = nil) {
        self.claimName = claimName
        self.readOnly = readOnly
    }
}

public struct HostPathVolumeSource: Codable, Sendable, Equatable {
    public var path: String
    public var type: String?
}

public struct CSIVolumeSource: Codable, Sendable, Equatable {
    public var driver: String
    public var readOnly: Bool?
    public var fsType: String?
    public var volumeAttributes: [String: String]?
    public var nodePublishSecretRef: OptionalNameReference?
}

public struct NFSVolumeSource: Codable, Sendable, Equatable {
    public var server: String
    public var path: String
    public var readOnly: Bool?
}

/// corev1.ImageVolumeSource.
public struct ImageVolumeSource: Codable, Sendable, Equatable {
    public var reference: String?
    public var pullPolicy: String?
    public init(reference: String? = nil) { self.reference = reference }
}

public struct DownwardAPIVolumeSource: Codable, Sendable, Equatable {
    public var items: [DownwardAPIVolumeFile]?
    public var defaultMode: Int32?
}

public struct DownwardAPIVolumeFile: Codable, Sendable, Equatable {
    public var path: String
    public var fieldRef: ObjectFieldSelector?
    public var resourceFieldRef: ResourceFieldSelector?
    public var mode: Int32?
    public init(path: String, fieldRef: ObjectFieldSelector? = nil) {
        self.path = path
        self.fieldRef = fieldRef
    }
}

/// corev1.ProjectedVolumeSource.
public struct ProjectedVolumeSource: Codable, Sendable, Equatable {
    public var sources: [VolumeProjection]?
    public var defaultMode: Int32?
    public init(sources: [VolumeProjection]? = nil, defaultMode: Int32? = nil) {
        self.sources = sources
        self.defaultMode = defaultMode
    }
}

public struct VolumeProjection: Codable, Sendable, Equatable {
    public var secret: SecretProjection?
    public var configMap: ConfigMapProjection?
    public var downwardAPI: DownwardAPIProjection?
    public var serviceAccountToken: ServiceAccountTokenProjection?
    public var clusterTrustBundle: ClusterTrustBundleProjection?
    public init() {}
}

public struct SecretProjection: Codable, Sendable, Equatable {
    public var name: String?
    public var items: [KeyToPath]?
    public var optional: Bool?
}

public struct ConfigMapProjection: Codable, Sendable, Equatable {
    public var name: String?
    public var items: [KeyToPath]?
    public var optional: Bool?
    public init(name: String?, items: [KeyToPath]?) {
        self.name = name
        self.items = items
    }
}

public struct DownwardAPIProjection: Codable, Sendable, Equatable {
    public var items: [DownwardAPIVolumeFile]?
    public init(items: [DownwardAPIVolumeFile]?) { self.items = items }
}

public struct ServiceAccountTokenProjection: Codable, Sendable, Equatable {
    public var audience: String?
    public var expirationSeconds: Int64?
    public var path: String
    public init(path: String, expirationSeconds: Int64? = nil) {
        self.path = path
        self.expirationSeconds = expirationSeconds
    }
}

public struct ClusterTrustBundleProjection: Codable, Sendable, Equatable {
    public var name: String?
    public var signerName: String?
    public var labelSelector: LabelSelector?
    public var optional: Bool?
    public var path: String
}
