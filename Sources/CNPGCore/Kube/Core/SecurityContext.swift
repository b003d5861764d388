/// corev1.PodSecurityContext.
public struct PodSecurityContext: Codable, Sendable, Equatable {
    public var seLinuxOptions: SELinuxOptions?
    public var windowsOptions: WindowsSecurityContextOptions?
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var runAsNonRoot: Bool?
    public var supplementalGroups: [Int64]?
    public var supplementalGroupsPolicy: String?
    public var fsGroup: Int64?
    public var sysctls: [Sysctl]?
    public var fsGroupChangePolicy: String?
    public var seccompProfile: SeccompProfile?
    public var appArmorProfile: AppArmorProfile?
    public var seLinuxChangePolicy: String?
    public init() {}
}

/// corev1.SecurityContext (container level).
public struct SecurityContext: Codable, Sendable, Equatable {
    public var capabilities: Capabilities?
    public var privileged: Bool?
    public var seLinuxOptions: SELinuxOptions?
    public var windowsOptions: WindowsSecurityContextOptions?
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var runAsNonRoot: Bool?
    public var readOnlyRootFilesystem: Bool?
    public var allowPrivilegeEscalation: Bool?
    public var procMount: String?
    public var seccompProfile: SeccompProfile?
    public var appArmorProfile: AppArmorProfile?
    public init() {}
}

public struct Capabilities: Codable, Sendable, Equatable {
    public var add: [String]?
    public var drop: [String]?
    public init(add: [String]? = nil, drop: [String]? = nil) {
        self.add = add
        self.drop = drop
    }
}

public struct SeccompProfile: Codable, Sendable, Equatable {
    public var type: String
    public var localhostProfile: String?
    public init(type: String, localhostProfile: String? = nil) {
        self.type = type
        self.localhostProfile = localhostProfile
    }
    public static let runtimeDefault = SeccompProfile(type: "RuntimeDefault")
}

public struct AppArmorProfile: Codable, Sendable, Equatable {
    public var type: String
    public var localhostProfile: String?
}

public struct SELinuxOptions: Codable, Sendable, Equatable {
    public var user: String?
    public var role: String?
    public var type: String?
    public var level: String?
}

public struct WindowsSecurityContextOptions: Codable, Sendable, Equatable {
    public var gmsaCredentialSpecName: String?
    public var gmsaCredentialSpec: String?
    public var runAsUserName: String?
    public var hostProcess: Bool?
}

public struct Sysctl: Codable, Sendable, Equatable {
    public var name: String
    public var value: String
}
