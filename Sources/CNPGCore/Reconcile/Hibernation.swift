import Foundation

/// CNPG's declarative hibernation (`cnpg.io/hibernation: on`): the instances' pods are deleted one
/// per pass, the primary first, and their PVCs kept; `off` (or no annotation) brings the pods back
/// from the PVCs. Progress is the `cnpg.io/hibernation` condition.
public enum Hibernation {
    public static let annotation = "cnpg.io/hibernation"
    public static let conditionType = "cnpg.io/hibernation"

    /// PVC annotation holding the primary's pg_controldata output while hibernated.
    public static let controldataAnnotation = "cnpg.io/pgControldata"

    public static func isRequested(_ cluster: Cluster) -> Bool { cluster.metadata.annotation(annotation) == "on" }

    public enum Step: Equatable, Sendable {
        /// Hibernation asked for while the cluster is not healthy yet: it starts once it is.
        case waitForHealthy
        case deletePod(String)
        /// A pod is still stopping.
        case waitForDeletion(String)
        case hibernated
    }

    public static func next(cluster: Cluster, observed: ObservedInstances) -> Step {
        let started = cluster.status?.conditions?.contains { $0.type == conditionType } ?? false
        if !started, cluster.status?.phase != ClusterStatusBuilder.Phase.healthy { return .waitForHealthy }
        let active = observed.activePods.map(ObservedInstances.name)
        if let primary = cluster.status?.currentPrimary, active.contains(primary) { return .deletePod(primary) }
        if let first = active.sorted().first { return .deletePod(first) }
        if let stopping = observed.pods.first(where: { $0["metadata"]?["labels"]?[CNPGLabels.podRole]?.stringValue == "instance" }) {
            return .waitForDeletion(ObservedInstances.name(stopping))
        }
        return .hibernated
    }

    /// The condition for a step: (status, reason, message), as CNPG words it.
    public static func condition(for step: Step) -> (status: Bool, reason: String, message: String) {
        switch step {
        case .waitForHealthy: return (false, "WaitingForHealthy", "Waiting for the cluster to be healthy before hibernating")
        case .deletePod: return (false, "DeletingPods", "Hibernation is in progress")
        case .waitForDeletion(let pod): return (false, "WaitingPodsDeletion", "Waiting for \(pod) to be deleted")
        case .hibernated: return (true, "Hibernated", "Cluster has been hibernated")
        }
    }
}
