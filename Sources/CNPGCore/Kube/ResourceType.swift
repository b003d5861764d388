/// One kind of object the sandbox serves.
public struct ResourceType: Sendable, Hashable {
    public var group: String
    public var version: String
    public var plural: String
    public var singular: String
    public var kind: String
    public var namespaced: Bool
    public var shortNames: [String]
    /// Whether `status` is a subresource (main-resource writes keep the stored status).
    public var hasStatusSubresource: Bool

    public init(
        group: String, version: String, plural: String, kind: String, namespaced: Bool,
        shortNames: [String] = [], hasStatusSubresource: Bool = false
    ) {
        self.group = group
        self.version = version
        self.plural = plural
        self.singular = kind.lowercased()
        self.kind = kind
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.hasStatusSubresource = hasStatusSubresource
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var groupResource: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// The REST path of a collection, an object or one of its subresources.
    public func path(namespace: String?, name: String?, subresource: String? = nil) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { path += "/namespaces/\(HTTPKubeClient.escape(namespace))" }
        path += "/\(plural)"
        if let name { path += "/\(HTTPKubeClient.escape(name))" }
        if let subresource { path += "/\(subresource)" }
        return path
    }
}

/// The built-in resources the sandbox knows before any CRD is registered.
public enum BuiltinResources {
    public static let all: [ResourceType] = [
        ResourceType(group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"], hasStatusSubresource: true),
        ResourceType(group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true, shortNames: ["po"], hasStatusSubresource: true),
        ResourceType(group: "", version: "v1", plural: "services", kind: "Service", namespaced: true, shortNames: ["svc"], hasStatusSubresource: true),
        ResourceType(group: "", version: "v1", plural: "endpoints", kind: "Endpoints", namespaced: true, shortNames: ["ep"]),
        ResourceType(group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true),
        ResourceType(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"]),
        ResourceType(group: "", version: "v1", plural: "serviceaccounts", kind: "ServiceAccount", namespaced: true, shortNames: ["sa"]),
        ResourceType(group: "", version: "v1", plural: "events", kind: "Event", namespaced: true, shortNames: ["ev"]),
        ResourceType(
            group: "", version: "v1", plural: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true, shortNames: ["pvc"],
            hasStatusSubresource: true),
        ResourceType(
            group: "", version: "v1", plural: "persistentvolumes", kind: "PersistentVolume", namespaced: false, shortNames: ["pv"], hasStatusSubresource: true),
        ResourceType(group: "", version: "v1", plural: "nodes", kind: "Node", namespaced: false, shortNames: ["no"], hasStatusSubresource: true),
        ResourceType(
            group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true, shortNames: ["deploy"], hasStatusSubresource: true),
        ResourceType(group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true, hasStatusSubresource: true),
        ResourceType(
            group: "policy", version: "v1", plural: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true, shortNames: ["pdb"],
            hasStatusSubresource: true),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", kind: "Role", namespaced: true),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings", kind: "RoleBinding", namespaced: true),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterroles", kind: "ClusterRole", namespaced: false),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterrolebindings", kind: "ClusterRoleBinding", namespaced: false),
        ResourceType(group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true),
        ResourceType(group: "discovery.k8s.io", version: "v1", plural: "endpointslices", kind: "EndpointSlice", namespaced: true),
        ResourceType(group: "networking.k8s.io", version: "v1", plural: "networkpolicies", kind: "NetworkPolicy", namespaced: true, shortNames: ["netpol"]),
        ResourceType(
            group: "admissionregistration.k8s.io", version: "v1", plural: "mutatingwebhookconfigurations", kind: "MutatingWebhookConfiguration",
            namespaced: false),
        ResourceType(
            group: "admissionregistration.k8s.io", version: "v1", plural: "validatingwebhookconfigurations", kind: "ValidatingWebhookConfiguration",
            namespaced: false),
        ResourceType(group: "authorization.k8s.io", version: "v1", plural: "selfsubjectaccessreviews", kind: "SelfSubjectAccessReview", namespaced: false),
        ResourceType(group: "authorization.k8s.io", version: "v1", plural: "selfsubjectrulesreviews", kind: "SelfSubjectRulesReview", namespaced: false),
        ResourceType(
            group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false,
            shortNames: ["crd", "crds"], hasStatusSubresource: true),
    ]
}

/// How a PATCH body is to be read.
public enum PatchType: String, Sendable {
    case merge = "application/merge-patch+json"
    case json = "application/json-patch+json"
    case strategicMerge = "application/strategic-merge-patch+json"
    case apply = "application/apply-patch+yaml"
}

public enum DeletionPropagation: String, Sendable {
    case background = "Background"
    case foreground = "Foreground"
    case orphan = "Orphan"
}
