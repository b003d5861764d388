import Foundation

/// Every object the operator creates to bring up a (defaulted) Cluster, in creation order:
/// RBAC, the primary Lease, certificates, credentials, services, PDBs, then for each instance its PVCs, its
/// bootstrap or join job, and its pod.
public enum ClusterManifests {
    public static func objects(
        for cluster: Cluster, configuration: OperatorConfiguration = OperatorConfiguration(),
        now: Date = Date()
    ) throws -> [JSONValue] {
        var objects: [JSONValue] = []
        if let account = InstanceRBAC.serviceAccount(for: cluster) { objects.append(ObjectCodec.encode(account)) }
        objects.append(ObjectCodec.encode(InstanceRBAC.role(for: cluster)))
        objects.append(ObjectCodec.encode(InstanceRBAC.roleBinding(for: cluster)))
        objects.append(PrimaryLease.object(for: cluster))

        let pki = try ClusterPKI.reconcile(
            cluster: cluster, existing: [:], policy: CertificatePolicy(configuration: configuration),
            now: now, clusterDomain: configuration.kubernetesClusterDomain)
        objects += pki.secrets.map { ObjectCodec.encode(SecretBuilder.certificate(for: cluster, $0)) }
        objects += credentialSecrets(for: cluster, configuration: configuration).map { ObjectCodec.encode($0) }

        objects += ServiceBuilder.defaultServices(for: cluster, createAnyService: configuration.createAnyService).map { ObjectCodec.encode($0) }
        objects += ServiceBuilder.managedServices(for: cluster).map { ObjectCodec.encode($0) }
        objects += DisruptionBudgetBuilder.budgets(for: cluster).map { ObjectCodec.encode($0) }

        for serial in 1...max(cluster.spec.instances ?? 1, 1) {
            objects += try PVCBuilder.claims(for: cluster, serial: serial).map { ObjectCodec.encode($0) }
            let role = serial == 1 ? JobBuilder.bootstrapRole(for: cluster) : .join
            objects.append(ObjectCodec.encode(JobBuilder.job(for: cluster, serial: serial, role: role, configuration: configuration)))
            objects.append(ObjectCodec.encode(InstancePodBuilder.pod(for: cluster, serial: serial, configuration: configuration)))
        }
        return objects
    }

    /// `<c>-app` unless the bootstrap names a secret; `<c>-superuser` only with superuser access
    /// enabled and no user secret. Passwords are new random ones.
    public static func credentialSecrets(for cluster: Cluster, configuration: OperatorConfiguration) -> [Secret] {
        let name = cluster.metadata.name ?? ""
        var secrets: [Secret] = []
        let application = cluster.spec.bootstrap?.application
        if application?.secret == nil, let database = application?.database, let owner = application?.owner {
            secrets.append(
                SecretBuilder.credentials(
                    for: cluster, name: "\(name)-app", userType: .app, username: owner,
                    password: PasswordGenerator.generate(), database: database,
                    clusterDomain: configuration.kubernetesClusterDomain))
        }
        if cluster.spec.enableSuperuserAccess == true, cluster.spec.superuserSecret == nil {
            secrets.append(
                SecretBuilder.credentials(
                    for: cluster, name: "\(name)-superuser", userType: .superuser, username: "postgres",
                    password: PasswordGenerator.generate(), database: "*",
                    clusterDomain: configuration.kubernetesClusterDomain))
        }
        return secrets
    }
}
