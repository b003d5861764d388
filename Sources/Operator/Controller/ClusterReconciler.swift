import CNPGCore
import Foundation
import Logging

/// One reconcile of one Cluster: its objects, its instances one step at a time, failover, and its
/// status. Idempotent; returns when to look again.
struct ClusterReconciler: Sendable {
    let client: any KubeClient
    let configuration: OperatorConfiguration
    /// Where the default monitoring queries are installed (copied next to every Cluster).
    let operatorNamespace: String
    let statuses: InstanceStatusClient
    let logger: Logger
    var sync: ObjectSync { ObjectSync(client: client) }
    var events: EventRecorder { EventRecorder(client: client) }
    /// How often a converged cluster is looked at again (instances are polled then).
    let resyncPeriod: Duration
    /// Instances stopped for want of space, until they are Ready again (no failover meanwhile).
    let diskShortages = DiskShortageMemory()
    /// The last rolling-update restart of any cluster (CLUSTERS_ROLLOUT_DELAY, INSTANCES_ROLLOUT_DELAY).
    let rollouts = RolloutCoordination()
    /// The instance manager this operator publishes and sends (online upgrades); nil without one.
    var managerBinary: ManagerUpgrade.Binary?

    struct Key: Hashable, Sendable, CustomStringConvertible {
        var namespace: String
        var name: String
        var description: String { "\(namespace)/\(name)" }
    }

    /// When to look again: `pass`'s answer, or sooner when a certificate falls due before then.
    func reconcile(_ key: Key) async throws -> Duration? {
        var renewal: Date?
        let next = try await reconcilePass(key, nextRenewal: &renewal)
        guard let next, let due = CertificateRenewal.delay(until: renewal, now: Date()) else { return next }
        return min(next, due)
    }

    private func reconcilePass(_ key: Key, nextRenewal: inout Date?) async throws -> Duration? {
        let object: JSONValue
        do {
            object = try await client.get(.clusters, namespace: key.namespace, name: key.name)
        } catch let error as KubeAPIError where error.code == 404 {
            OperatorMetrics.clusterRemoved(namespace: key.namespace, name: key.name)
            return nil
        }
        var cluster = try ObjectCodec.decode(Cluster.self, from: object)
        guard cluster.metadata.deletionTimestamp == nil else { return nil }
        if cluster.metadata.annotation("cnpg.io/reconciliationLoop") == "disabled" { return nil }
        ClusterDefaulting.apply(to: &cluster, configuration: configuration)

        try await ensureRBAC(cluster)
        try await ensurePrimaryLease(cluster)
        try await ensureFailoverQuorum(cluster)
        let poolerIntegration = try await hasPoolerIntegration(cluster)
        let pki = try await ensurePKI(cluster, poolerIntegration: poolerIntegration)
        nextRenewal = pki.nextRenewal
        try await ensureCredentials(cluster)
        try await ensureServices(cluster)
        try await ensureDisruptionBudgets(cluster)
        try await ensureNetworkPolicy(cluster)
        await ensureDefaultMonitoringQueries(cluster)
        await PodMonitorSync(client: client, logger: logger).reconcile(
            PodMonitorBuilder.podMonitor(for: cluster), enabled: cluster.spec.monitoring?.enablePodMonitor == true,
            namespace: key.namespace)

        let observed = try await observe(cluster)
        // Labels first: they follow the status this pass read, and a poll can wait for a slow instance.
        try await syncRoleLabels(cluster, observed: observed)
        let reports = await statuses.poll(observed.activePods, caPEM: pki.caPEM)
        try await ensureClaimSizes(cluster, observed: observed)
        // Failing over from an instance out of WAL space would not help: hold everything until the volumes grow.
        let outOfSpace = await podsOutOfSpace(cluster, observed: observed, reports: reports)
        let missingClaims = await missingClaims(cluster, observed: observed)

        var targetPrimary: String?
        var failingOver = false
        var decision =
            outOfSpace.isEmpty
            ? FailoverPolicy.decide(cluster: cluster, observed: observed, reports: reports, silence: statuses.silences.silence(of: observed.activePods))
            : .keep
        // spec.failoverDelay: a lost primary gets that long to come back.
        var failingSince: Date?
        var quorumRefusal: String?
        if decision != .keep,
            case .wait(let since, let remaining) = FailoverDelay.gate(
                delaySeconds: cluster.spec.failoverDelay, failingSince: cluster.status?.currentPrimaryFailingSinceTimestamp, now: Date())
        {
            logger.info(
                "primary lost: waiting for the failover delay to expire",
                metadata: [
                    "cluster": "\(key)", "remaining": "\(Int(remaining.rounded(.up))) s",
                ])
            failingSince = since
            decision = .keep
        }
        if case .promote = decision, let refusal = await failoverQuorumRefusal(cluster, observed: observed, reports: reports) {
            logger.warning("primary lost: no failover without the failover quorum", metadata: ["cluster": "\(key)", "reason": "\(refusal)"])
            if cluster.status?.phaseReason != FailoverQuorumCheck.phaseReason(refusal) {
                await events.record(cluster, reason: "FailoverQuorumNotReached", message: refusal, warning: true)
            }
            quorumRefusal = refusal
            decision = .keep
        }
        switch decision {
        case .keep: break
        case .noCandidate(let reason):
            logger.warning("primary lost and no replica can take over", metadata: ["cluster": "\(key)", "reason": "\(reason)"])
        case .promote(let candidate, let reason):
            let current = cluster.status?.currentPrimary ?? ""
            logger.info("failing over", metadata: ["cluster": "\(key)", "from": "\(current)", "to": "\(candidate)", "reason": "\(reason)"])
            await events.record(cluster, reason: "FailingOver", message: "Current primary isn't healthy, initiating a failover from \(current)")
            await events.record(cluster, reason: "FailoverTarget", message: "Failing over from \(current) to \(candidate)")
            await releaseLeaseOfLostPrimary(cluster, primary: current, observed: observed)
            targetPrimary = candidate
            failingOver = true
            // The lost primary leaves the -rw service now, not when the promoted one reports.
            var handingOver = cluster
            handingOver.status?.targetPrimary = candidate
            try await syncRoleLabels(handingOver, observed: observed)
        }

        var hibernation: Hibernation.Step?
        if Hibernation.isRequested(cluster) {
            let step = Hibernation.next(cluster: cluster, observed: observed)
            if case .deletePod(let pod) = step {
                if pod == cluster.status?.currentPrimary {
                    // As CNPG: the primary's pg_controldata goes on every PVC before its pod does.
                    try await annotateClaimsWithControldata(cluster, primary: pod, observed: observed, caPEM: pki.caPEM)
                }
                logger.info("hibernating: deleting an instance's pod (its PVCs stay)", metadata: ["cluster": "\(key)", "pod": "\(pod)"])
                await events.record(cluster, reason: "Hibernating", message: "Deleting pod \(pod) for hibernation")
                try await client.delete(.pods, namespace: key.namespace, name: pod, propagation: .background)
            }
            hibernation = step
        }
        let action: InstancePlanner.Action
        // Never replaced or recreated by the storage and maintenance rules below: a primary fails over first.
        let primaries = Set([cluster.status?.currentPrimary, cluster.status?.targetPrimary].compactMap { $0 })
        if !outOfSpace.isEmpty {
            action = .wait(reason: "not enough disk space")
        } else if failingOver {
            action = .wait(reason: "failing over")
        } else if hibernation != nil {
            action = .wait(reason: "hibernation")
        } else if let serial = NodeMaintenance.instanceToRecreate(cluster: cluster, observed: observed, primaries: primaries) {
            logger.info("node maintenance without reusePVC: recreating an unschedulable instance", metadata: ["cluster": "\(key)", "serial": "\(serial)"])
            try await deleteInstanceAndClaims(cluster, serial: serial, observed: observed)
            action = .wait(reason: "recreating \(key.name)-\(serial) on another node")
        } else if let serial = MissingStorage.instanceToReplace(missingClaims, observed: observed, primaries: primaries) {
            logger.warning("replacing an instance that lacks a PVC", metadata: ["cluster": "\(key)", "instance": "\(key.name)-\(serial)"])
            action = .deleteInstance(serial: serial)
        } else {
            action = InstancePlanner.next(cluster: cluster, observed: observed)
        }
        if case .createPrimary(let serial) = action {
            targetPrimary = "\(key.name)-\(serial)"
        } else if let first = InstancePlanner.unrecordedFirstPrimary(cluster: cluster, observed: observed) {
            targetPrimary = first
        }
        try await perform(action, cluster: cluster, observed: observed)

        var rollout = RollingUpdatePlanner.Step.none
        var rolloutDelayed: (pod: String, remaining: TimeInterval)?
        if action == .none, !failingOver {
            let inPlaceUpgrades = configuration.instanceManagerInplaceUpdates
            rollout = RollingUpdatePlanner.next(cluster: cluster, observed: observed, reports: reports) { serial in
                guard let desired = desiredPodSpec(cluster, serial: serial) else { return nil }
                guard inPlaceUpgrades else { return desired }
                let current = observed.pod(serial: serial)?["metadata"]?["annotations"]?[RollingUpdatePlanner.podSpecAnnotation]?.stringValue
                return ManagerUpgrade.podSpecIgnoringBootstrapImage(desired: desired, current: current)
            }
            if let pod = rollout.restartedPod,
                case .delayed(let remaining) = await rollouts.coordinate(cluster: "\(key)", configuration: configuration)
            {
                rolloutDelayed = (pod, remaining)
                let message = RolloutCoordinator.message(pod: pod, remaining: remaining)
                logger.info("rolling update delayed", metadata: ["cluster": "\(key)", "pod": "\(pod)", "remaining": "\(Int(remaining.rounded(.up))) s"])
                if cluster.status?.phase != RolloutCoordinator.phase {
                    await events.record(cluster, reason: RolloutCoordinator.event, message: message)
                }
                rollout = .wait(reason: message)
            }
            if case .switchover(let target, _, _) = rollout { targetPrimary = target }
            try await performRollout(rollout, cluster: cluster)
        }
        var managerUpgrade = ManagerUpgrade.Step.none
        if rollout == .none, action == .none, !failingOver, hibernation == nil, configuration.instanceManagerInplaceUpdates,
            let managerBinary
        {
            managerUpgrade = ManagerUpgrade.next(cluster: cluster, observed: observed, reports: reports, binary: managerBinary)
            try await upgradeManager(managerUpgrade, cluster: cluster, observed: observed, binary: managerBinary, caPEM: pki.caPEM)
        }

        var input = ClusterStatusBuilder.Input(
            cluster: cluster, observed: observed, reports: reports, action: action,
            targetPrimary: targetPrimary, failingOver: failingOver,
            certificateExpirations: pki.expirations, certificateNames: pki.names, rollout: rollout)
        input.hibernation = hibernation
        input.podsOutOfSpace = outOfSpace
        input.missingClaims = missingClaims
        input.failoverQuorumRefusal = quorumRefusal
        input.failingSince = failingSince
        input.managerUpgrade = managerUpgrade
        input.rolloutDelayed = rolloutDelayed
        var fields = ClusterStatusBuilder.fields(for: input)
        if let managerBinary { fields.append(("availableArchitectures", ObjectCodec.encode([managerBinary.published]))) }
        fields.append(("operatorCertificateFingerprint", .string(statuses.identity.fingerprint)))
        // The primary's instance manager creates the auth_query role and function while this lists a secret.
        let integrationSecrets: [JSONValue] = poolerIntegration ? [.string(PoolerSecretNames.integrationSecret(cluster: key.name))] : []
        fields.append(("poolerIntegrations", .object([("pgBouncerIntegration", .object([("secrets", .array(integrationSecrets))]))])))
        if hibernation != nil {
            // While hibernating the phase stays what it was (as in CNPG); the condition tells.
            fields.removeAll { $0.0 == "phase" || $0.0 == "phaseReason" }
        }
        let reported = JSONValue.object(fields)
        OperatorMetrics.cluster(
            namespace: key.namespace, name: key.name, readyInstances: Int(reported["readyInstances"]?.intValue ?? 0),
            healthy: reported["phase"]?.stringValue == ClusterStatusBuilder.Phase.healthy)
        if let statusPatch = ClusterStatusBuilder.patch(fields, over: object["status"]) {
            var patch: [(String, JSONValue)] = [("status", statusPatch)]
            // Every status write is made over the Cluster this pass read: the plugin (promote,
            // restart) and the instance managers (currentPrimary, the end of an in-place restart)
            // write status too, and a pass computed from an older read must not undo them; a
            // conflict makes the pass start over.
            if let version = object["metadata"]?["resourceVersion"] {
                patch.append(("metadata", .object([("resourceVersion", version)])))
            }
            _ = try await client.patch(
                .clusters, namespace: key.namespace, name: key.name, .object(patch),
                patchType: .merge, subresource: "status", fieldManager: nil)
            logger.debug("status written", metadata: ["cluster": "\(key)", "changes": "\(JSONText.serialize(statusPatch))"])
        }
        if let hibernation { return hibernation == .hibernated ? resyncPeriod : .seconds(2) }
        if !outOfSpace.isEmpty { return .seconds(10) }
        if failingSince != nil { return .seconds(1) }
        if quorumRefusal != nil || managerUpgrade != .none { return .seconds(2) }
        if let rolloutDelayed { return .milliseconds(Int64(min(rolloutDelayed.remaining, 60) * 1000) + 100) }
        switch action {
        case .none, .unrecoverable, .wait:
            // A waiting Cluster too: jobs finishing and pods turning ready arrive as watch events,
            // and so does the new primary's status after a failover; polling every 2 s as well
            // would cost a pass per waiting Cluster every 2 s (pods left Pending for want of room, say).
            return resyncPeriod
        default:
            return .seconds(2)
        }
    }

    func observe(_ cluster: Cluster) async throws -> ObservedInstances {
        let namespace = cluster.metadata.namespace ?? "default"
        let name = cluster.metadata.name ?? ""
        let selector = "\(CNPGLabels.cluster)=\(name)"
        async let pods = client.list(.pods, namespace: namespace, labelSelector: selector, fieldSelector: nil)
        async let jobs = client.list(.jobs, namespace: namespace, labelSelector: selector, fieldSelector: nil)
        async let claims = client.list(.persistentVolumeClaims, namespace: namespace, labelSelector: selector, fieldSelector: nil)
        return ObservedInstances(clusterName: name, pods: try await pods.items, jobs: try await jobs.items, claims: try await claims.items)
    }
}
