/// The tables of docs/rbac.md, rendered from the role builders so the page cannot drift from the
/// code (`cnpg-operator generate rbac-tables` prints them; a test compares).
public enum RBACDocumentation {
    public static func table(_ rules: [PolicyRule]) -> String {
        var lines = ["| API group | Resources | Verbs | Only these names |", "|---|---|---|---|"]
        for rule in rules {
            let groups = (rule.apiGroups ?? []).map { $0.isEmpty ? "core" : $0 }.joined(separator: ", ")
            let resources = (rule.resources ?? []).map { "`\($0)`" }.joined(separator: ", ")
            let names = (rule.resourceNames ?? []).map { "`\($0)`" }.joined(separator: ", ")
            lines.append("| \(groups) | \(resources) | \(rule.verbs.joined(separator: ", ")) | \(names.isEmpty ? "(any)" : names) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Everything between the page's markers: the operator's ClusterRole, its optional rule, and
    /// the instance Role of CNPG's `cluster-example` (its own Secrets and ConfigMaps by name).
    public static func tables() -> String {
        var example = Cluster(name: "cluster-example", namespace: "default")
        example.spec.instances = 3
        return """
            ### Operator ClusterRole `\(OperatorRBAC.clusterRoleName)`

            \(table(OperatorRBAC.rules))
            With managed NetworkPolicies (`MANAGE_NETWORK_POLICIES`, `generate rbac --network-policies`) one more rule:

            \(table([OperatorRBAC.networkPolicyRule]))
            ### Instance Role `<cluster>` (here for `cluster-example`)

            \(table(InstanceRBAC.role(for: example).rules ?? []))
            """
    }
}
