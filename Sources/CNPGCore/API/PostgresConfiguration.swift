/// `spec.postgresql`.
public struct PostgresConfiguration: Codable, Sendable, Equatable {
    public var parameters: [String: String]?
    public var synchronous: SynchronousReplicaConfiguration?
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public var pg_hba: [String]?
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public var pg_ident: [String]?
    public var syncReplicaElectionConstraint: SyncReplicaElectionConstraints?
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public var shared_preload_libraries: [String]?
    public var ldap: LDAPConfig?
    public var promotionTimeout: Int32?
    public var enableAlterSystem: Bool?
    public var extensions: [ExtensionConfiguration]?
    public init() {}
}

public struct SynchronousReplicaConfiguration: Codable, Sendable, Equatable {
    public var method: String
    public var number: Int
    public var maxStandbyNamesFromCluster: Int?
    public var standbyNamesPre: [String]?
    public var standbyNamesPost: [String]?
    public var dataDurability: String?
    public var failoverQuorum: Bool?
    public var podFailureDomainKeys: [String]?
    public var nodeFailureDomainKeys: [String]?
    public init(method: String, number: Int) {
        self.method = method
        self.number = number
    }
}

extension SynchronousReplicaConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        [
            "method": .oneOf("any", "first"),
            "number": SchemaAnnotation(minimum: 1),
            "dataDurability": .oneOf("required", "preferred"),
        ]
    }
}

public struct SyncReplicaElectionConstraints: Codable, Sendable, Equatable {
    public var enabled: Bool
    public var nodeLabelsAntiAffinity: [String]?
}

public struct LDAPConfig: Codable, Sendable, Equatable {
    public var server: String?
    public var port: Int?
    public var scheme: String?
    public var tls: Bool?
    public var bindAsAuth: LDAPBindAsAuth?
    public var bindSearchAuth: LDAPBindSearchAuth?
}

extension LDAPConfig: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] { ["scheme": .oneOf("ldap", "ldaps")] }
}

public struct LDAPBindAsAuth: Codable, Sendable, Equatable {
    public var prefix: String?
    public var suffix: String?
}

public struct LDAPBindSearchAuth: Codable, Sendable, Equatable {
    public var baseDN: String?
    public var bindDN: String?
    public var bindPassword: OptionalKeySelector?
    public var searchAttribute: String?
    public var searchFilter: String?
}

public struct ExtensionConfiguration: Codable, Sendable, Equatable {
    public var name: String
    public var image: ImageVolumeSource
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public var extension_control_path: [String]?
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public var dynamic_library_path: [String]?
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public var ld_library_path: [String]?
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public var bin_path: [String]?
    public var env: [ExtensionEnvVar]?
}

extension ExtensionConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        ["name": SchemaAnnotation(minLength: 1, maxLength: 59, pattern: "^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$")]
    }
}

public struct ExtensionEnvVar: Codable, Sendable, Equatable {
    public var name: String
    public var value: String
}
