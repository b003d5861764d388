/// The per-cluster ServiceAccount, Role and RoleBinding of the instance managers: read access to
/// exactly the secrets and configmaps that cluster uses, write access only to its own status.
public enum InstanceRBAC {
    public static func serviceAccountName(for cluster: Cluster) -> String {
        let given = cluster.spec.serviceAccountName ?? ""
        return given.isEmpty ? (cluster.metadata.name ?? "") : given
    }

    /// The generated ServiceAccount, or nil when the user names an existing one.
    public static func serviceAccount(for cluster: Cluster, pullSecretCopy: String? = nil) -> ServiceAccount? {
        guard (cluster.spec.serviceAccountName ?? "").isEmpty else { return nil }
        let template = cluster.spec.serviceAccountTemplate?.metadata
        var metadata = ClusterObjectMetadata.make(
            for: cluster, name: cluster.metadata.name ?? "",
            labels: template?.labels ?? [:], annotations: template?.annotations ?? [:])
        let managed = pullSecretCopy.map { [$0] } ?? []
        metadata.annotations?["cnpg.io/managedSecrets"] = JSONText.serialize(.array(managed.map(JSONValue.string)))
        var account = ServiceAccount(metadata: metadata)
        account.automountServiceAccountToken = false
        let pullSecrets = managed.map(LocalObjectReference.init(name:)) + (cluster.spec.imagePullSecrets ?? [])
        account.imagePullSecrets = pullSecrets.isEmpty ? nil : pullSecrets
        return account
    }

    /// Secret names the instance manager may read (sorted, unique, no empties).
    /// `backupCredentials` are the secret names referenced by a Backup the cluster bootstraps from.
    public static func secretNames(for cluster: Cluster, backupCredentials: [String] = [], databaseRolePasswordSecrets: [String] = []) -> [String] {
        let spec = cluster.spec
        let certificates = ClusterCertificateNames(cluster: cluster)
        let name = cluster.metadata.name ?? ""
        var names: [String] = [
            certificates.replicationTLSSecret, certificates.clientCASecret, certificates.serverCASecret, certificates.serverTLSSecret,
            applicationSecretName(for: cluster), spec.superuserSecret?.name ?? "\(name)-superuser",
        ]
        names.append(spec.postgresql?.ldap?.bindSearchAuth?.bindPassword?.name ?? "")
        names += (spec.monitoring?.customQueriesSecret ?? []).map(\.name)
        names += barmanSecrets(spec.backup?.barmanObjectStore)
        names += backupCredentials
        for external in spec.externalClusters ?? [] {
            names += [external.sslCert?.name, external.sslRootCert?.name, external.sslKey?.name, external.password?.name].compactMap { $0 }
            names += barmanSecrets(external.barmanObjectStore)
        }
        for role in spec.managed?.roles ?? [] where role.disablePassword != true {
            names.append(role.passwordSecret?.name ?? "")
        }
        names += databaseRolePasswordSecrets
        return Array(Set(names.filter { !$0.isEmpty })).sorted()
    }

    /// ConfigMap names the instance manager may read.
    public static func configMapNames(for cluster: Cluster) -> [String] {
        let names = [cluster.metadata.name ?? ""] + (cluster.spec.monitoring?.customQueriesConfigMap ?? []).map(\.name)
        return Array(Set(names.filter { !$0.isEmpty })).sorted()
    }

    /// The application credentials secret: the bootstrap's `secret.name`, else `<cluster>-app`.
    public static func applicationSecretName(for cluster: Cluster) -> String {
        let given = cluster.spec.bootstrap?.application.secret?.name ?? ""
        return given.isEmpty ? "\(cluster.metadata.name ?? "")-app" : given
    }

    static func barmanSecrets(_ store: BarmanObjectStoreConfiguration?) -> [String] {
        guard let store else { return [] }
        var selectors: [KeySelector?] = [store.endpointCA]
        if let s3 = store.s3Credentials { selectors += [s3.accessKeyId, s3.secretAccessKey, s3.region, s3.sessionToken] }
        if let azure = store.azureCredentials {
            selectors += [azure.connectionString, azure.storageAccount, azure.storageKey, azure.storageSasToken]
        }
        if let google = store.googleCredentials { selectors.append(google.applicationCredentials) }
        return selectors.compactMap { $0?.name }
    }

    public static func role(for cluster: Cluster, backupCredentials: [String] = [], databaseRolePasswordSecrets: [String] = []) -> RBACRole {
        let name = cluster.metadata.name ?? ""
        let group = CNPG.group
        let rules = [
            PolicyRule(apiGroups: [""], resources: ["configmaps"], verbs: ["get", "watch"], resourceNames: configMapNames(for: cluster)),
            PolicyRule(
                apiGroups: [""], resources: ["secrets"], verbs: ["get", "watch"],
                resourceNames: secretNames(for: cluster, backupCredentials: backupCredentials, databaseRolePasswordSecrets: databaseRolePasswordSecrets)),
            PolicyRule(apiGroups: [group], resources: ["clusters"], verbs: ["get", "list", "watch"], resourceNames: [name]),
            PolicyRule(apiGroups: [group], resources: ["clusters/status"], verbs: ["get", "patch", "update", "watch"], resourceNames: [name]),
            PolicyRule(apiGroups: [group], resources: ["backups"], verbs: ["list", "get", "delete"]),
            PolicyRule(apiGroups: [group], resources: ["backups/status"], verbs: ["get", "patch", "update"]),
            PolicyRule(apiGroups: [""], resources: ["events"], verbs: ["create", "patch"]),
            PolicyRule(apiGroups: [group], resources: ["databases"], verbs: ["get", "update", "list", "watch"], resourceNames: []),
            PolicyRule(apiGroups: [group], resources: ["databases/status"], verbs: ["get", "patch", "update"]),
            PolicyRule(apiGroups: [group], resources: ["publications"], verbs: ["get", "update", "list", "watch"], resourceNames: []),
            PolicyRule(apiGroups: [group], resources: ["publications/status"], verbs: ["get", "patch", "update"]),
            PolicyRule(apiGroups: [group], resources: ["subscriptions"], verbs: ["get", "update", "list", "watch"], resourceNames: []),
            PolicyRule(apiGroups: [group], resources: ["subscriptions/status"], verbs: ["get", "patch", "update"]),
            PolicyRule(apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "update"], resourceNames: [name]),
            PolicyRule(apiGroups: [group], resources: ["failoverquorums"], verbs: ["get", "list", "watch"], resourceNames: [name]),
            PolicyRule(apiGroups: [group], resources: ["failoverquorums/status"], verbs: ["get", "patch", "update", "watch"], resourceNames: [name]),
            PolicyRule(apiGroups: [group], resources: ["databaseroles"], verbs: ["get", "update", "list", "watch"], resourceNames: []),
            PolicyRule(apiGroups: [group], resources: ["databaseroles/status"], verbs: ["get", "patch", "update"]),
        ]
        return RBACRole(kind: "Role", metadata: ClusterObjectMetadata.make(for: cluster, name: name), rules: rules)
    }

    public static func roleBinding(for cluster: Cluster) -> RBACBinding {
        let name = cluster.metadata.name ?? ""
        return RBACBinding(
            kind: "RoleBinding", metadata: ClusterObjectMetadata.make(for: cluster, name: name),
            subjects: [Subject(kind: "ServiceAccount", name: serviceAccountName(for: cluster), namespace: cluster.metadata.namespace)],
            roleRef: RoleRef(kind: "Role", name: name))
    }
}
