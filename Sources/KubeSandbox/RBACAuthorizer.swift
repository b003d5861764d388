import CNPGCore

/// Who is making a request.
public struct UserInfo: Sendable, Equatable {
    public var name: String
    public var groups: [String]
    /// `namespace/name` of the pod a token was bound to (TokenRequest `boundObjectRef`), as
    /// Kubernetes records in the user's extra `authentication.kubernetes.io/pod-name`.
    public var boundPod: String?

    public init(name: String, groups: [String]) {
        self.name = name
        self.groups = groups
    }

    public static let admin = UserInfo(name: "kube-sandbox-admin", groups: ["system:masters", "system:authenticated"])

    public static func serviceAccount(namespace: String, name: String) -> UserInfo {
        UserInfo(
            name: "system:serviceaccount:\(namespace):\(name)",
            groups: ["system:serviceaccounts", "system:serviceaccounts:\(namespace)", "system:authenticated"])
    }
}

/// What a request wants to do, in RBAC's terms.
public struct RequestAttributes: Sendable, Equatable {
    public var verb: String
    public var group: String
    public var resource: String
    public var subresource: String?
    public var namespace: String?
    public var name: String?
    /// Set for non-resource requests (`/version`, `/healthz`).
    public var path: String?

    public init(
        verb: String, group: String = "", resource: String = "", subresource: String? = nil, namespace: String? = nil,
        name: String? = nil, path: String? = nil
    ) {
        self.verb = verb
        self.group = group
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
        self.path = path
    }
}

/// RBAC as Kubernetes evaluates it: the union of every rule bound to the user (ClusterRoleBindings
/// everywhere, RoleBindings in their namespace); `system:masters` may do anything.
public enum RBACAuthorizer {
    public struct Decision: Sendable, Equatable {
        public var allowed: Bool
        public var reason: String
    }

    public static func authorize(_ user: UserInfo, _ attributes: RequestAttributes, in store: ObjectStore) -> Decision {
        if user.groups.contains("system:masters") { return Decision(allowed: true, reason: "system:masters") }
        for bound in boundRules(user, namespace: attributes.namespace, in: store) where matches(bound.rule, attributes) {
            return Decision(allowed: true, reason: "allowed by \(bound.binding) of \(bound.role)")
        }
        return Decision(allowed: false, reason: "no RBAC rule allows it")
    }

    /// Every rule that applies to `user` in `namespace` (cluster-wide ones included), with where it comes from.
    static func boundRules(_ user: UserInfo, namespace: String?, in store: ObjectStore) -> [(rule: JSONValue, binding: String, role: String)] {
        var found: [(rule: JSONValue, binding: String, role: String)] = []
        for (binding, bindingNamespace) in bindings(in: store, namespace: namespace) where binds(binding, to: user) {
            guard let roleRef = binding["roleRef"], let kind = roleRef["kind"]?.stringValue, let roleName = roleRef["name"]?.stringValue else { continue }
            let role: JSONValue?
            if kind == "ClusterRole" {
                role = try? store.get(store.resource("clusterroles.rbac.authorization.k8s.io")!, namespace: nil, name: roleName)
            } else {
                role = try? store.get(store.resource("roles.rbac.authorization.k8s.io")!, namespace: bindingNamespace, name: roleName)
            }
            guard case .array(let rules)? = role?["rules"] else { continue }
            let bindingName = "\(binding["kind"]?.stringValue ?? "binding") \"\(binding["metadata"]?["name"]?.stringValue ?? "")\""
            found += rules.map { ($0, bindingName, "\(kind) \"\(roleName)\"") }
        }
        return found
    }

    /// ClusterRoleBindings, then RoleBindings of the request's namespace (with that namespace).
    static func bindings(in store: ObjectStore, namespace: String?) -> [(JSONValue, String?)] {
        let clusterBindings = store.list(store.resource("clusterrolebindings.rbac.authorization.k8s.io")!, namespace: nil).items.map { ($0, nil as String?) }
        guard let namespace else { return clusterBindings }
        let roleBindings = store.list(store.resource("rolebindings.rbac.authorization.k8s.io")!, namespace: namespace).items.map { ($0, namespace as String?) }
        return clusterBindings + roleBindings
    }

    static func binds(_ binding: JSONValue, to user: UserInfo) -> Bool {
        guard case .array(let subjects)? = binding["subjects"] else { return false }
        return subjects.contains { subject in
            let name = subject["name"]?.stringValue ?? ""
            switch subject["kind"]?.stringValue {
            case "User": return name == user.name
            case "Group": return user.groups.contains(name)
            case "ServiceAccount":
                return user.name == "system:serviceaccount:\(subject["namespace"]?.stringValue ?? ""):\(name)"
            default: return false
            }
        }
    }

    static func strings(_ value: JSONValue?) -> [String] {
        guard case .array(let values)? = value else { return [] }
        return values.compactMap(\.stringValue)
    }

    public static func matches(_ rule: JSONValue, _ attributes: RequestAttributes) -> Bool {
        let verbs = strings(rule["verbs"])
        guard verbs.contains("*") || verbs.contains(attributes.verb) else { return false }
        if let path = attributes.path {
            return strings(rule["nonResourceURLs"]).contains { $0 == "*" || $0 == path || ($0.hasSuffix("*") && path.hasPrefix(String($0.dropLast()))) }
        }
        let groups = strings(rule["apiGroups"])
        guard groups.contains("*") || groups.contains(attributes.group) else { return false }
        let resources = strings(rule["resources"])
        let wanted = attributes.subresource.map { "\(attributes.resource)/\($0)" } ?? attributes.resource
        let resourceMatches = resources.contains { entry in
            entry == "*" || entry == wanted
                || (attributes.subresource != nil && (entry == "\(attributes.resource)/*" || entry == "*/\(attributes.subresource!)"))
        }
        guard resourceMatches else { return false }
        let names = strings(rule["resourceNames"])
        if names.isEmpty { return true }
        guard let name = attributes.name else { return false }
        return names.contains(name)
    }
}
