/// `spec.nodeMaintenanceWindow` with `inProgress: true` and `reusePVC: false`: an instance whose
/// pod cannot be scheduled (its node is drained; with node-local storage its volume cannot follow)
/// is not waited for. Its pod and PVCs are deleted (CNPG's `DeletePod` and `DeletePVCs` events)
/// and a new replica is created elsewhere. With `reusePVC` (the default) the operator waits for the
/// node to come back and the instance keeps its volumes.
public enum NodeMaintenance {
    public static func isRecreatingInstances(_ cluster: Cluster) -> Bool {
        cluster.spec.nodeMaintenanceWindow?.inProgress == true && cluster.spec.nodeMaintenanceWindow?.reusePVC == false
    }

    /// A Pending pod the scheduler could not place (condition PodScheduled False, reason Unschedulable).
    public static func isUnschedulable(_ pod: JSONValue) -> Bool {
        pod["status"]?["phase"]?.stringValue == "Pending"
            && (pod["status"]?["conditions"]?.arrayValue ?? []).contains {
                $0["type"]?.stringValue == "PodScheduled" && $0["status"]?.stringValue == "False" && $0["reason"]?.stringValue == "Unschedulable"
            }
    }

    /// The first instance to recreate elsewhere: unschedulable and not one of `primaries` (current or target).
    public static func instanceToRecreate(cluster: Cluster, observed: ObservedInstances, primaries: Set<String>) -> Int? {
        guard isRecreatingInstances(cluster) else { return nil }
        return observed.activePods.filter { isUnschedulable($0) && !primaries.contains(ObservedInstances.name($0)) }
            .compactMap { observed.serial(of: ObservedInstances.name($0)) }.min()
    }
}
