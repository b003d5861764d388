import Foundation

/// The next step towards a Cluster's desired instances, one step per reconcile, in CNPG's order:
/// first primary (PVCs + initdb job, then its pod), then one replica at a time (PVCs + join job,
/// then its pod) once every instance is ready, and scale-down from the highest serial.
public enum InstancePlanner {
    public enum Action: Equatable, Sendable {
        /// PVCs and the bootstrap job of the first instance; targetPrimary becomes it.
        case createPrimary(serial: Int)
        /// PVCs and the join job of a new replica.
        case createReplica(serial: Int)
        /// The instance's job succeeded: mark its PVCs ready and create its pod.
        case createPod(serial: Int)
        /// Remove the instance: its pod first, then (once the pod is gone) its jobs and PVCs.
        case deleteInstance(serial: Int)
        /// A job failed: the cluster needs manual intervention.
        case unrecoverable(job: String)
        case wait(reason: String)
        case none
    }

    public static func next(cluster: Cluster, observed: ObservedInstances) -> Action {
        let desired = max(cluster.spec.instances ?? 1, 1)
        let serials = observed.serials
        let primary = cluster.status?.targetPrimary ?? cluster.status?.currentPrimary
        // Scale-down first, from the highest serial that is not the primary: an instance being
        // removed must not be brought back by the steps below.
        if serials.count > desired {
            let candidates = serials.filter { "\(observed.clusterName)-\($0)" != primary && "\(observed.clusterName)-\($0)" != cluster.status?.currentPrimary }
            if let highest = candidates.max() { return .deleteInstance(serial: highest) }
        }
        for job in observed.jobs where ObservedInstances.state(of: job) == .failed {
            return .unrecoverable(job: ObservedInstances.name(job))
        }
        // An instance without its pod: wait for its job, then create the pod.
        for serial in serials where observed.pod(serial: serial) == nil {
            let jobs = observed.jobs(serial: serial)
            if jobs.contains(where: { ObservedInstances.state(of: $0) == .running }) {
                return .wait(reason: "waiting for the job of \(observed.clusterName)-\(serial)")
            }
            if observed.isBuilt(serial: serial) { return .createPod(serial: serial) }
            let isFirst = serials.count == 1 && (primary == nil || primary == "\(observed.clusterName)-\(serial)")
            return isFirst ? .createPrimary(serial: serial) : .createReplica(serial: serial)
        }
        if serials.isEmpty {
            return .createPrimary(serial: (cluster.status?.latestGeneratedNode ?? 0) + 1)
        }
        let ready = observed.readyPodNames
        let unready = observed.activePods.map(ObservedInstances.name).filter { !ready.contains($0) }.sorted()
        guard unready.isEmpty else { return .wait(reason: "waiting for \(unready.joined(separator: ", ")) to become ready") }
        if serials.count < desired {
            let next = max(cluster.status?.latestGeneratedNode ?? 0, serials.max() ?? 0) + 1
            return .createReplica(serial: next)
        }
        return .none
    }

    /// The first instance, created as primary, when the status names no primary yet: the pass that
    /// created it could not write its status (an API error), and its instance manager runs it as
    /// primary only once `targetPrimary` names it, while the operator waits for it to be ready.
    public static func unrecordedFirstPrimary(cluster: Cluster, observed: ObservedInstances) -> String? {
        guard (cluster.status?.targetPrimary ?? "").isEmpty, (cluster.status?.currentPrimary ?? "").isEmpty else { return nil }
        guard observed.serials.count == 1, let serial = observed.serials.first else { return nil }
        return "\(observed.clusterName)-\(serial)"
    }
}
