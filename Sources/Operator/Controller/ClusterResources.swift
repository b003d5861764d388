import CNPGCore
import Foundation

/// The objects a Cluster needs before any instance: RBAC, certificates, credentials, services, PDBs.
extension ClusterReconciler {
    struct PKIState {
        var caPEM: String?
        var names: ClusterCertificateNames
        var expirations: [String: Date]
        /// When an operator-managed certificate is next due for renewal.
        var nextRenewal: Date?
    }

    func ensureRBAC(_ cluster: Cluster) async throws {
        let namespace = cluster.metadata.namespace ?? "default"
        if let account = InstanceRBAC.serviceAccount(for: cluster) {
            if try await sync.ensure(.serviceAccounts, namespace: namespace, ObjectCodec.encode(account)) == .created {
                await events.record(cluster, reason: "CreatingServiceAccount", message: "Creating ServiceAccount")
            }
        }
        let role = ObjectCodec.encode(InstanceRBAC.role(for: cluster))
        switch try await sync.ensure(.roles, namespace: namespace, role, update: ObjectSync.replacing(["rules"], from: role)) {
        case .created: await events.record(cluster, reason: "CreatingRole", message: "Creating Cluster Role")
        case .updated: await events.record(cluster, reason: "UpdatingRole", message: "Updating Cluster Role")
        case .unchanged: break
        }
        let binding = ObjectCodec.encode(InstanceRBAC.roleBinding(for: cluster))
        try await sync.ensure(.roleBindings, namespace: namespace, binding, update: ObjectSync.replacing(["subjects", "roleRef"], from: binding))
    }

    /// The primary Lease `<cluster>` the instance managers take turns holding (never rewritten:
    /// its spec is theirs).
    func ensurePrimaryLease(_ cluster: Cluster) async throws {
        try await sync.ensure(.leases, namespace: cluster.metadata.namespace ?? "default", PrimaryLease.object(for: cluster))
    }

    /// The FailoverQuorum object `<cluster>` the primary reports into, while the failover quorum is on.
    func ensureFailoverQuorum(_ cluster: Cluster) async throws {
        guard FailoverQuorumCheck.isActive(cluster) else { return }
        let metadata = ClusterObjectMetadata.make(for: cluster, name: cluster.metadata.name ?? "")
        try await sync.ensure(.failoverQuorums, namespace: cluster.metadata.namespace ?? "default", ObjectCodec.encode(FailoverQuorum(metadata: metadata)))
    }

    /// With the failover quorum on, a failover only when R + W > N holds for the primary's last
    /// report (`FailoverQuorumCheck`); the reason when it does not.
    func failoverQuorumRefusal(_ cluster: Cluster, observed: ObservedInstances, reports: [String: InstanceStatus]) async -> String? {
        guard FailoverQuorumCheck.isActive(cluster) else { return nil }
        let object = try? await client.get(.failoverQuorums, namespace: cluster.metadata.namespace ?? "default", name: cluster.metadata.name ?? "")
        let status = object.flatMap { try? ObjectCodec.decode(FailoverQuorum.self, from: $0) }?.status
        switch FailoverQuorumCheck.verdict(status, readyAndReporting: observed.readyPodNames.intersection(reports.keys)) {
        case .allowed(let reason):
            logger.info("failover quorum", metadata: ["cluster": "\(cluster.metadata.name ?? "")", "verdict": "\(reason)"])
            return nil
        case .denied(let reason): return reason
        }
    }

    /// Frees the Lease of a primary confirmed gone (see `PrimaryLease.holderGone`) so the
    /// replica being promoted takes it at once; a primary that may still run keeps it until it
    /// expires. Failures only cost the new primary that wait.
    func releaseLeaseOfLostPrimary(_ cluster: Cluster, primary: String, observed: ObservedInstances) async {
        let namespace = cluster.metadata.namespace ?? "default"
        guard let lease = try? await client.get(.leases, namespace: namespace, name: cluster.metadata.name ?? ""),
            PrimaryLease.holder(of: lease) == primary
        else { return }
        // Every pod of that name, a deleting or terminal one included.
        let pod = observed.pods.first { ObservedInstances.name($0) == primary && $0["metadata"]?["labels"]?[CNPGLabels.podRole]?.stringValue == "instance" }
        guard PrimaryLease.holderGone(lease, pod: pod) else {
            logger.info("the lost primary may still run: the new primary waits for its lease to expire", metadata: ["primary": "\(primary)"])
            return
        }
        do {
            _ = try await client.update(
                .leases, namespace: namespace, lease.setting("spec", to: PrimaryLease.released(lease, timing: PrimaryLease.Timing(cluster: cluster))),
                subresource: nil)
            logger.info("released the primary lease of a primary confirmed gone", metadata: ["primary": "\(primary)"])
        } catch {
            logger.warning("could not release the lost primary's lease", metadata: ["error": "\(error)"])
        }
    }

    /// Creates missing certificates and renews those inside the expiry threshold.
    func ensurePKI(_ cluster: Cluster, poolerIntegration: Bool) async throws -> PKIState {
        let namespace = cluster.metadata.namespace ?? "default"
        let names = ClusterCertificateNames(cluster: cluster)
        var existing: [String: [String: String]] = [:]
        var secretNames = [names.serverCASecret, names.serverTLSSecret, names.replicationTLSSecret, names.clientCASecret]
        if poolerIntegration { secretNames.append(PoolerSecretNames.integrationSecret(cluster: cluster.metadata.name ?? "")) }
        for name in Set(secretNames) {
            guard let object = try? await client.get(.secrets, namespace: namespace, name: name),
                let secret = try? ObjectCodec.decode(Secret.self, from: object)
            else { continue }
            existing[name] = secret.stringValues
        }
        let plan = try ClusterPKI.reconcile(
            cluster: cluster, existing: existing, policy: CertificatePolicy(configuration: configuration),
            now: Date(), clusterDomain: configuration.kubernetesClusterDomain, poolerIntegration: poolerIntegration)
        for planned in plan.secrets where planned.action.changed {
            let secret = ObjectCodec.encode(SecretBuilder.certificate(for: cluster, planned))
            try await sync.ensure(.secrets, namespace: namespace, secret, update: ObjectSync.replacing(["data"], from: secret))
            if case .renewed(let reason) = planned.action {
                await events.record(cluster, reason: "CertificateRenewed", message: "Renewed \(planned.name): \(reason)")
            }
            existing[planned.name] = planned.data
        }
        return PKIState(
            caPEM: existing[names.serverCASecret]?["ca.crt"], names: names, expirations: plan.expirations,
            nextRenewal: plan.nextRenewal)
    }

    /// Whether a Pooler of this Cluster uses the automated PgBouncer integration (CNPG then keeps
    /// the `<cluster>-pooler` certificate and lists it in `status.poolerIntegrations`).
    func hasPoolerIntegration(_ cluster: Cluster) async throws -> Bool {
        let poolers = try await client.list(.poolers, namespace: cluster.metadata.namespace ?? "default", labelSelector: nil, fieldSelector: nil)
        return poolers.items.contains { object in
            guard let pooler = try? ObjectCodec.decode(Pooler.self, from: object) else { return false }
            return pooler.spec.cluster.name == cluster.metadata.name && PoolerSecretNames.isAutomated(pooler)
        }
    }

    /// The app (and, when enabled, superuser) credentials; never rewritten once they exist. With
    /// superuser access off, the generated superuser secret is deleted (a user-provided one is kept).
    func ensureCredentials(_ cluster: Cluster) async throws {
        let namespace = cluster.metadata.namespace ?? "default"
        if cluster.spec.enableSuperuserAccess != true, cluster.spec.superuserSecret == nil {
            let name = "\(cluster.metadata.name ?? "")-superuser"
            if let existing = try? await client.get(.secrets, namespace: namespace, name: name),
                existing["metadata"]?["ownerReferences"] != nil
            {
                try await client.delete(.secrets, namespace: namespace, name: name, propagation: .background)
                await events.record(cluster, reason: "DeletingSuperuserSecret", message: "Superuser access is disabled: deleted secret \(name)")
            }
        }
        for secret in ClusterManifests.credentialSecrets(for: cluster, configuration: configuration) {
            let name = secret.metadata.name ?? ""
            if (try? await client.get(.secrets, namespace: namespace, name: name)) != nil { continue }
            try await sync.ensure(.secrets, namespace: namespace, ObjectCodec.encode(secret))
        }
    }

    func ensureServices(_ cluster: Cluster) async throws {
        let namespace = cluster.metadata.namespace ?? "default"
        let services =
            ServiceBuilder.defaultServices(for: cluster, createAnyService: configuration.createAnyService)
            + ServiceBuilder.managedServices(for: cluster)
        for service in services {
            let desired = ObjectCodec.encode(service)
            try await sync.ensure(
                .services, namespace: namespace, desired,
                update: ObjectSync.replacingSpec(["selector", "ports", "type", "publishNotReadyAddresses"], from: desired))
        }
    }

    /// Creates or updates the wanted budgets and deletes the Cluster's others (scaled below 3
    /// instances, `enablePDB: false`, a maintenance window); reads come from the informer's cache.
    func ensureDisruptionBudgets(_ cluster: Cluster) async throws {
        let namespace = cluster.metadata.namespace ?? "default"
        let budgets = DisruptionBudgetBuilder.budgets(for: cluster)
        for budget in budgets {
            let desired = ObjectCodec.encode(budget)
            try await sync.ensure(
                .podDisruptionBudgets, namespace: namespace, desired,
                update: ObjectSync.replacingSpec(["minAvailable", "selector"], from: desired))
        }
        let wanted = Set(budgets.compactMap(\.metadata.name))
        let existing = try await client.list(
            .podDisruptionBudgets, namespace: namespace,
            labelSelector: "\(CNPGLabels.cluster)=\(cluster.metadata.name ?? "")", fieldSelector: nil)
        for budget in existing.items {
            guard let name = budget["metadata"]?["name"]?.stringValue, DisruptionBudgetBuilder.names(for: cluster).contains(name),
                !wanted.contains(name), budget["metadata"]?["deletionTimestamp"] == nil
            else { continue }
            try await client.delete(.podDisruptionBudgets, namespace: namespace, name: name, propagation: .background)
            await events.record(cluster, reason: "DeletingPodDisruptionBudget", message: "Deleting PodDisruptionBudget \(name)")
        }
    }
}
