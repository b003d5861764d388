/// Which granted permissions were exercised: the least-privilege report. Permissions are
/// compared per API group, resource (with its subresource, as `pods/status`) and verb; a rule's
/// `resourceNames` narrow it but do not split it, and non-resource URLs are left out.
public enum RBACUsage {
    public struct Permission: Hashable, Comparable, Sendable, CustomStringConvertible {
        public var group: String
        public var resource: String
        public var verb: String

        public init(group: String, resource: String, verb: String) {
            (self.group, self.resource, self.verb) = (group, resource, verb)
        }

        public var description: String { "\(verb) \(group.isEmpty ? "" : group + "/")\(resource)" }

        public static func < (lhs: Permission, rhs: Permission) -> Bool {
            (lhs.group, lhs.resource, lhs.verb) < (rhs.group, rhs.resource, rhs.verb)
        }
    }

    /// Every permission the rules grant.
    public static func granted(by rules: [PolicyRule]) -> Set<Permission> {
        var permissions: Set<Permission> = []
        for rule in rules where rule.nonResourceURLs == nil {
            for group in rule.apiGroups ?? [] {
                for resource in rule.resources ?? [] {
                    for verb in rule.verbs { permissions.insert(Permission(group: group, resource: resource, verb: verb)) }
                }
            }
        }
        return permissions
    }

    /// The permissions `user` exercised with allowed requests, from audit records (one JSON
    /// object per request with `user`, `verb`, `group`, `resource`, `subresource` and `code`).
    public static func used(by user: String, in records: [JSONValue]) -> Set<Permission> {
        var permissions: Set<Permission> = []
        for record in records where record["user"]?.stringValue == user {
            guard let verb = record["verb"]?.stringValue, let resource = record["resource"]?.stringValue,
                let code = record["code"]?.intValue, code != 401, code != 403
            else { continue }
            let subresource = record["subresource"]?.stringValue
            permissions.insert(
                Permission(
                    group: record["group"]?.stringValue ?? "",
                    resource: subresource.map { "\(resource)/\($0)" } ?? resource, verb: verb))
        }
        return permissions
    }

    /// Granted but never exercised, sorted; wildcard rules (`*`) are reported as they are.
    public static func unused(granted rules: [PolicyRule], used: Set<Permission>) -> [Permission] {
        granted(by: rules).subtracting(used).sorted()
    }
}
