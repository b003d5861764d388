/// The operator's ClusterRole: exactly the resources and verbs CNPG's controller manager uses.
/// The single source of the chart's RBAC and of `cnpg-operator generate rbac`.
public enum OperatorRBAC {
    public static let clusterRoleName = "cnpg-manager"
    public static let clusterRoleBindingName = "cnpg-manager-rolebinding"
    public static let serviceAccountName = "cnpg-manager"
    public static let defaultNamespace = "cnpg-system"

    static let readWrite = ["create", "delete", "get", "list", "patch", "update", "watch"]
    static let statusVerbs = ["get", "patch", "update"]

    /// Only with managed NetworkPolicies (`MANAGE_NETWORK_POLICIES`, the chart's
    /// `clusterNetworkPolicies.managed`): not in CNPG's role.
    public static let networkPolicyRule = PolicyRule(apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: readWrite)

    public static let rules: [PolicyRule] = [
        PolicyRule(apiGroups: [""], resources: ["configmaps", "secrets", "services"], verbs: readWrite),
        PolicyRule(apiGroups: [""], resources: ["configmaps/status", "secrets/status"], verbs: statusVerbs),
        PolicyRule(apiGroups: [""], resources: ["events"], verbs: ["create", "patch"]),
        PolicyRule(apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"]),
        PolicyRule(apiGroups: [""], resources: ["persistentvolumeclaims", "pods", "pods/exec"], verbs: ["create", "delete", "get", "list", "patch", "watch"]),
        PolicyRule(apiGroups: [""], resources: ["pods/status"], verbs: ["get"]),
        PolicyRule(apiGroups: [""], resources: ["serviceaccounts"], verbs: ["create", "get", "list", "patch", "update", "watch"]),
        PolicyRule(
            apiGroups: ["admissionregistration.k8s.io"], resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"],
            verbs: ["get", "patch"]),
        PolicyRule(apiGroups: ["apps"], resources: ["deployments"], verbs: readWrite),
        PolicyRule(apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "delete", "get", "list", "patch", "watch"]),
        PolicyRule(apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create", "get", "list", "update", "watch"]),
        PolicyRule(apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"]),
        PolicyRule(apiGroups: ["monitoring.coreos.com"], resources: ["podmonitors"], verbs: ["create", "delete", "get", "list", "patch", "watch"]),
        PolicyRule(apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: readWrite),
        PolicyRule(
            apiGroups: [CNPG.group],
            resources: ["backups", "clusters", "databaseroles", "databases", "poolers", "publications", "scheduledbackups", "subscriptions"], verbs: readWrite),
        PolicyRule(
            apiGroups: [CNPG.group],
            resources: ["backups/status", "databases/status", "publications/status", "scheduledbackups/status", "subscriptions/status"], verbs: statusVerbs),
        PolicyRule(apiGroups: [CNPG.group], resources: ["clusterimagecatalogs", "imagecatalogs"], verbs: ["get", "list", "watch"]),
        PolicyRule(apiGroups: [CNPG.group], resources: ["clusters/finalizers", "databaseroles/finalizers", "poolers/finalizers"], verbs: ["update"]),
        PolicyRule(
            apiGroups: [CNPG.group], resources: ["clusters/status", "databaseroles/status", "failoverquorums/status", "poolers/status"],
            verbs: ["get", "patch", "update", "watch"]),
        PolicyRule(apiGroups: [CNPG.group], resources: ["failoverquorums"], verbs: ["create", "delete", "get", "list", "watch"]),
        PolicyRule(
            apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings", "roles"], verbs: ["create", "get", "list", "patch", "update", "watch"]),
        PolicyRule(apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshots"], verbs: ["create", "get", "list", "patch", "watch"]),
    ]

    public static func clusterRole(name: String = clusterRoleName, managingNetworkPolicies: Bool = false) -> RBACRole {
        RBACRole(
            kind: "ClusterRole", metadata: ObjectMeta(name: name, labels: [CNPGLabels.appName: "cloudnative-pg"]),
            rules: rules + (managingNetworkPolicies ? [networkPolicyRule] : []))
    }

    public static func clusterRoleBinding(namespace: String = defaultNamespace) -> RBACBinding {
        RBACBinding(
            kind: "ClusterRoleBinding", metadata: ObjectMeta(name: clusterRoleBindingName, labels: [CNPGLabels.appName: "cloudnative-pg"]),
            subjects: [Subject(kind: "ServiceAccount", name: serviceAccountName, namespace: namespace)],
            roleRef: RoleRef(kind: "ClusterRole", name: clusterRoleName))
    }
}
