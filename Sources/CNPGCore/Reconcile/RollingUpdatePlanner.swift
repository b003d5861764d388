import Foundation

/// CNPG's rolling update, one step per reconcile once every instance exists, is ready and reports:
/// replicas first, least advanced first (their pods are deleted and come back on the same
/// volumes), then the primary — restarted in place by its instance manager when only PostgreSQL
/// needs a restart, otherwise switched over or recreated as `primaryUpdateMethod` says, or left to
/// the user with `primaryUpdateStrategy: supervised`.
public enum RollingUpdatePlanner {
    public enum Step: Equatable, Sendable {
        case none
        case wait(reason: String)
        /// Delete the replica's pod; the instance planner recreates it on its volumes.
        case restartReplica(pod: String, reason: String)
        /// Phase `Primary instance is being restarted in-place`: the instance manager restarts PostgreSQL.
        case restartPrimaryInPlace(pod: String, reason: String)
        /// Delete the primary's pod; failover is held off while it comes back.
        case recreatePrimary(pod: String, reason: String)
        case switchover(to: String, from: String, reason: String)
        /// `primaryUpdateStrategy: supervised`: the user switches over.
        case waitForUser(pod: String, reason: String)
    }

    public static let pendingRestartReason = "Postgres needs a restart to apply some configuration changes"
    public static let restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"
    public static let podSpecAnnotation = "cnpg.io/podSpec"
    /// How far (bytes of WAL not replayed yet) the switchover target of a rolling update may be
    /// behind the primary; beyond it the primary restarts in place instead, rather than wait for a
    /// stale replica to catch up while no instance takes writes. A quantity (`64Mi`, the default).
    public static let maximumSwitchoverLagAnnotation = "alpha.cnpg.io/switchoverMaximumLag"
    public static let defaultMaximumSwitchoverLag: UInt64 = 64 << 20

    public static func maximumSwitchoverLag(_ cluster: Cluster) -> UInt64 {
        guard let text = cluster.metadata.annotation(maximumSwitchoverLagAnnotation), let quantity = try? Quantity(text),
            quantity.value >= 0
        else { return defaultMaximumSwitchoverLag }
        return NSDecimalNumber(decimal: quantity.value).uint64Value
    }

    /// Why the instance in `pod` must be restarted, and whether a restart of PostgreSQL inside the
    /// running pod is enough; nil when it is up to date.
    public static func rolloutReason(
        pod: JSONValue, desiredPodSpec: String?, cluster: Cluster,
        report: InstanceStatus?
    ) -> (reason: String, inPlace: Bool)? {
        let annotations = pod["metadata"]?["annotations"]
        if cluster.metadata.annotation("cnpg.io/reconcilePodSpec") != "disabled", let desiredPodSpec,
            let current = annotations?[podSpecAnnotation]?.stringValue, current != desiredPodSpec
        {
            let currentImage = imageOfPostgres(in: current)
            let desiredImage = imageOfPostgres(in: desiredPodSpec)
            if let currentImage, let desiredImage, currentImage != desiredImage {
                return ("the image changed from \(currentImage) to \(desiredImage)", false)
            }
            return ("the pod spec changed", false)
        }
        if let requested = cluster.metadata.annotation(restartedAtAnnotation), annotations?[restartedAtAnnotation]?.stringValue != requested {
            return ("a restart was requested at \(requested)", true)
        }
        if report?.pendingRestart == true { return (pendingRestartReason, true) }
        return nil
    }

    static func imageOfPostgres(in podSpec: String) -> String? {
        guard let spec = try? JSONText.parse(podSpec), case .array(let containers)? = spec["containers"] else { return nil }
        return containers.first { $0["name"]?.stringValue == "postgres" }?["image"]?.stringValue
    }

    /// The next step. `desiredPodSpec(serial)` is the `cnpg.io/podSpec` a new pod would carry.
    public static func next(
        cluster: Cluster, observed: ObservedInstances, reports: [String: InstanceStatus],
        desiredPodSpec: (Int) -> String?
    ) -> Step {
        let phase = cluster.status?.phase
        if phase == ClusterStatusBuilder.Phase.inPlaceRestart { return .wait(reason: "the primary is restarting in place") }
        guard let primary = cluster.status?.currentPrimary, cluster.status?.targetPrimary == primary else { return .none }
        let desired = max(cluster.spec.instances ?? 1, 1)
        let pods = observed.activePods
        guard pods.count == desired, observed.readyPodNames.count == desired else { return .none }
        guard pods.allSatisfy({ reports[ObservedInstances.name($0)] != nil }) else {
            return .wait(reason: "waiting for every instance to report its status")
        }
        let fenced = FencedInstances(cluster: cluster)
        func reason(_ pod: JSONValue) -> (reason: String, inPlace: Bool)? {
            let name = ObservedInstances.name(pod)
            // Fenced instances are left alone until they are unfenced.
            if fenced.contains(name) { return nil }
            return rolloutReason(pod: pod, desiredPodSpec: observed.serial(of: name).flatMap(desiredPodSpec), cluster: cluster, report: reports[name])
        }
        // Least advanced replica first; ties: the higher pod name first.
        let replicas = pods.filter { ObservedInstances.name($0) != primary }.sorted { lhs, rhs in
            let left = reports[ObservedInstances.name(lhs)]?.replayLsn ?? LSN(value: 0)
            let right = reports[ObservedInstances.name(rhs)]?.replayLsn ?? LSN(value: 0)
            return left != right ? left < right : ObservedInstances.name(lhs) > ObservedInstances.name(rhs)
        }
        for replica in replicas {
            if let found = reason(replica) { return .restartReplica(pod: ObservedInstances.name(replica), reason: found.reason) }
        }
        guard let primaryPod = pods.first(where: { ObservedInstances.name($0) == primary }), let found = reason(primaryPod) else { return .none }
        if reports[primary]?.pendingRestartForDecrease == true { return .none }
        if cluster.spec.primaryUpdateStrategy == "supervised" {
            return .waitForUser(pod: primary, reason: found.reason)
        }
        if cluster.spec.primaryUpdateMethod == "switchover", desired > 1 {
            let candidate = replicas.reversed().first { reports[ObservedInstances.name($0)]?.isWalReceiverActive == true }
            guard let target = candidate.map(ObservedInstances.name) else {
                return .wait(reason: "waiting for a replica with an active WAL receiver to switch over to")
            }
            let position = reports[primary]?.currentLsn ?? reports[primary]?.replayLsn
            let replayed = reports[target]?.replayLsn ?? LSN(value: 0)
            let bound = maximumSwitchoverLag(cluster)
            guard let position, position.value > replayed.value, position.value - replayed.value > bound else {
                return .switchover(to: target, from: primary, reason: found.reason)
            }
            let reason =
                found.reason + "; restarting in place: the most advanced replica, \(target), has \(position.value - replayed.value) bytes "
                + "of WAL left to replay (more than \(bound))"
            return found.inPlace ? .restartPrimaryInPlace(pod: primary, reason: reason) : .recreatePrimary(pod: primary, reason: reason)
        }
        return found.inPlace ? .restartPrimaryInPlace(pod: primary, reason: found.reason) : .recreatePrimary(pod: primary, reason: found.reason)
    }
}
