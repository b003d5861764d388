import Foundation

/// When the current primary is lost, which replica takes over: CNPG's order — ready replicas whose
/// status answered, most received WAL first, then most replayed, then by name.
public enum FailoverPolicy {
    public enum Decision: Equatable, Sendable {
        case keep
        /// The primary is unhealthy and no replica can take over (yet).
        case noCandidate(reason: String)
        case promote(String, reason: String)
    }

    /// How long a ready primary's instance manager may stay silent (unanswered polls) before it
    /// counts as lost: one slow answer on a busy node is not a failure.
    public static let silenceGrace: Duration = .seconds(10)

    /// Why the primary counts as lost, or nil while it is healthy: its pod is gone or not ready,
    /// or its instance manager has not answered for `silenceGrace` (nil `silentFor`: unknown, so
    /// lost) or no longer reports it as primary. CNPG waits for the pod to turn not ready as well;
    /// answering for the instance is the manager's job, so a manager silent past the grace is
    /// treated as a lost primary (restarts the operator asked for, and fenced primaries, are held
    /// off before this is asked).
    public static func primaryProblem(
        primary: String, observed: ObservedInstances, reports: [String: InstanceStatus],
        silentFor: Duration? = nil
    ) -> String? {
        guard let pod = observed.activePods.first(where: { ObservedInstances.name($0) == primary }) else {
            return "primary pod \(primary) is gone"
        }
        guard PodReadiness.isReady(pod) else { return "primary pod \(primary) is not ready" }
        guard let report = reports[primary] else {
            if let silentFor, silentFor < silenceGrace { return nil }
            return "the instance manager of \(primary) does not answer"
        }
        guard report.isPrimary else { return "\(primary) does not report itself as primary" }
        return nil
    }

    /// `silence`: for each pod whose manager did not answer, how long it has not (see `silenceGrace`).
    public static func decide(
        cluster: Cluster, observed: ObservedInstances, reports: [String: InstanceStatus],
        silence: [String: Duration] = [:]
    ) -> Decision {
        guard let current = cluster.status?.currentPrimary, !current.isEmpty else { return .keep }
        // A switchover or failover already under way is left to finish.
        if cluster.status?.handoverTarget != nil { return .keep }
        // A restart the rolling update asked for is not a failure (CNPG holds failover off too),
        // and a fenced primary was stopped on purpose: it is never failed over.
        if ClusterStatusBuilder.Phase.heldOffFailover(cluster.status?.phase) { return .keep }
        if FencedInstances(cluster: cluster).contains(current) || Hibernation.isRequested(cluster) { return .keep }
        // Nor one whose manager says it might be unavailable (just unfenced, restarting).
        if reports[current]?.mightBeUnavailable == true { return .keep }
        guard let problem = primaryProblem(primary: current, observed: observed, reports: reports, silentFor: silence[current]) else { return .keep }
        let ready = observed.readyPodNames
        let candidates = reports.filter { name, report in name != current && ready.contains(name) && !report.isPrimary }
            .sorted { lhs, rhs in
                let left = (lhs.value.receivedLsn ?? lhs.value.replayLsn ?? LSN(value: 0), lhs.value.replayLsn ?? LSN(value: 0))
                let right = (rhs.value.receivedLsn ?? rhs.value.replayLsn ?? LSN(value: 0), rhs.value.replayLsn ?? LSN(value: 0))
                if left.0 != right.0 { return left.0 > right.0 }
                if left.1 != right.1 { return left.1 > right.1 }
                return lhs.key < rhs.key
            }
        guard let chosen = candidates.first else { return .noCandidate(reason: problem) }
        return .promote(chosen.key, reason: problem)
    }
}

/// `spec.failoverDelay`: how long a lost primary is given to come back before failing over. The
/// first pass that finds it lost records `status.currentPrimaryFailingSinceTimestamp`; passes
/// within the delay wait (looking again every second); a primary found healthy clears it.
public enum FailoverDelay {
    public enum Gate: Equatable, Sendable {
        /// Fail over now.
        case proceed
        /// Not yet: record `since` (the failure's first sighting) and look again.
        case wait(since: Date, remaining: TimeInterval)
    }

    public static func gate(delaySeconds: Int32?, failingSince: String?, now: Date) -> Gate {
        let delay = TimeInterval(max(delaySeconds ?? 0, 0))
        guard delay > 0 else { return .proceed }
        let since = failingSince.flatMap(KubeTime.parse) ?? now
        let remaining = since.addingTimeInterval(delay).timeIntervalSince(now)
        return remaining > 0 ? .wait(since: since, remaining: remaining) : .proceed
    }
}
