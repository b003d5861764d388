import Foundation

/// CNPG's rollout coordinator: the operator spaces out the pod restarts of rolling updates,
/// `INSTANCES_ROLLOUT_DELAY` apart within a cluster and `CLUSTERS_ROLLOUT_DELAY` after a restart
/// in another cluster (one operator upgrade can otherwise restart every instance it manages at once).
/// Pure state; the operator keeps one for all its clusters.
public struct RolloutCoordinator: Sendable, Equatable {
    public var clustersDelay: TimeInterval
    public var instancesDelay: TimeInterval
    /// The last restart allowed: its cluster (`namespace/name`), and when.
    public private(set) var lastCluster: String?
    public private(set) var lastRollout: Date?

    public init(clustersDelay: TimeInterval, instancesDelay: TimeInterval) {
        self.clustersDelay = clustersDelay
        self.instancesDelay = instancesDelay
    }

    public enum Decision: Sendable, Equatable {
        case allowed
        case delayed(remaining: TimeInterval)
    }

    /// Whether `cluster` may restart an instance now; an allowed restart is recorded.
    public mutating func coordinate(cluster: String, now: Date) -> Decision {
        if let lastCluster, let lastRollout {
            let delay = lastCluster == cluster ? instancesDelay : clustersDelay
            let elapsed = now.timeIntervalSince(lastRollout)
            if elapsed < delay { return .delayed(remaining: delay - elapsed) }
        }
        lastCluster = cluster
        lastRollout = now
        return .allowed
    }

    public static let phase = "Cluster upgrade delayed"
    public static let event = "RolloutDelayed"

    /// CNPG's event message (and this phase's reason): `Rollout of pod X have been delayed for D`.
    public static func message(pod: String, remaining: TimeInterval) -> String {
        "Rollout of pod \(pod) have been delayed for \(Int(remaining.rounded(.up)))s"
    }
}

extension RollingUpdatePlanner.Step {
    /// The pod this step restarts (deleted, restarted in place, or switched away from), nil when it restarts none.
    public var restartedPod: String? {
        switch self {
        case .none, .wait, .waitForUser: nil
        case .restartReplica(let pod, _), .restartPrimaryInPlace(let pod, _), .recreatePrimary(let pod, _): pod
        case .switchover(_, let from, _): from
        }
    }
}
