/// rbac.authorization.k8s.io/v1 objects and core ServiceAccount.
public struct PolicyRule: Codable, Sendable, Equatable {
    public var apiGroups: [String]?
    public var resources: [String]?
    public var verbs: [String]
    public var resourceNames: [String]?
    public var nonResourceURLs: [String]?

    public init(apiGroups: [String], resources: [String], verbs: [String], resourceNames: [String]? = nil) {
        self.apiGroups = apiGroups
        self.resources = resources
        self.verbs = verbs
        self.resourceNames = resourceNames
    }
}

/// A Role or a ClusterRole (same shape, `kind` tells them apart).
public struct RBACRole: Codable, Sendable, Equatable {
    public var apiVersion = "rbac.authorization.k8s.io/v1"
    public var kind: String
    public var metadata: ObjectMeta
    public var rules: [PolicyRule]?

    public init(kind: String, metadata: ObjectMeta, rules: [PolicyRule]) {
        self.kind = kind
        self.metadata = metadata
        self.rules = rules
    }
}

public struct Subject: Codable, Sendable, Equatable {
    public var kind: String
    public var apiGroup: String?
    public var name: String
    public var namespace: String?
    public init(kind: String, name: String, namespace: String?, apiGroup: String? = nil) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.apiGroup = apiGroup
    }
}

public struct RoleRef: Codable, Sendable, Equatable {
    public var apiGroup: String
    public var kind: String
    public var name: String
    public init(kind: String, name: String) {
        apiGroup = "rbac.authorization.k8s.io"
        self.kind = kind
        self.name = name
    }
}

/// A RoleBinding or a ClusterRoleBinding (same shape, `kind` tells them apart).
public struct RBACBinding: Codable, Sendable, Equatable {
    public var apiVersion = "rbac.authorization.k8s.io/v1"
    public var kind: String
    public var metadata: ObjectMeta
    public var subjects: [Subject]?
    public var roleRef: RoleRef

    public init(kind: String, metadata: ObjectMeta, subjects: [Subject], roleRef: RoleRef) {
        self.kind = kind
        self.metadata = metadata
        self.subjects = subjects
        self.roleRef = roleRef
    }
}

public struct ServiceAccount: Codable, Sendable, Equatable {
    public var apiVersion = "v1"
    public var kind = "ServiceAccount"
    public var metadata: ObjectMeta
    public var automountServiceAccountToken: Bool?
    public var imagePullSecrets: [LocalObjectReference]?
    public var secrets: [JSONValue]?
    public init(metadata: ObjectMeta) { self.metadata = metadata }
}
