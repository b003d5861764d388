/// `spec.storage`, `spec.walStorage` and tablespace storage.
public struct StorageConfiguration: Codable, Sendable, Equatable {
    public var storageClass: String?
    public var size: String?
    public var resizeInUseVolumes: Bool?
    public var pvcTemplate: PersistentVolumeClaimSpec?
    public init(size: String? = nil, storageClass: String? = nil) {
        self.size = size
        self.storageClass = storageClass
    }
}

extension StorageConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        ["resizeInUseVolumes": SchemaAnnotation(defaultValue: .bool(true))]
    }
}

public struct TablespaceConfiguration: Codable, Sendable, Equatable {
    public var name: String
    public var storage: StorageConfiguration
    public var owner: DatabaseRoleRef?
    public var temporary: Bool?
    public init(name: String, storage: StorageConfiguration) {
        self.name = name
        self.storage = storage
    }
}

extension TablespaceConfiguration: OpenAPISchemaAnnotated {
    public static var schemaAnnotations: [String: SchemaAnnotation] {
        ["temporary": SchemaAnnotation(defaultValue: .bool(false))]
    }
}

public struct DatabaseRoleRef: Codable, Sendable, Equatable {
    public var name: String?
    public init(name: String?) { self.name = name }
}
