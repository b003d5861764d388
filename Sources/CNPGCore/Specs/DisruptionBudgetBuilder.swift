/// PodDisruptionBudgets: `<c>-primary` keeps the primary up; `<c>` keeps all but one standby up
/// (only from 3 instances). None when `enablePDB` is false. During a node maintenance window that
/// reuses PVCs (`nodeMaintenanceWindow.inProgress` with `reusePVC`, the default) the standbys' budget
/// goes, and a single instance's primary budget too, so nodes can drain (as CNPG).
public enum DisruptionBudgetBuilder {
    /// The names a Cluster's budgets can have (what the operator removes when no longer wanted).
    public static func names(for cluster: Cluster) -> [String] {
        let name = cluster.metadata.name ?? ""
        return [name, "\(name)-primary"]
    }

    public static func budgets(for cluster: Cluster) -> [PodDisruptionBudget] {
        guard cluster.spec.enablePDB != false else { return [] }
        let name = cluster.metadata.name ?? ""
        let labels = ServiceBuilder.commonLabels(for: cluster)
        let instances = cluster.spec.instances ?? 1
        let window = cluster.spec.nodeMaintenanceWindow
        let draining = window?.inProgress == true && window?.reusePVC != false
        if draining, instances == 1 { return [] }
        var budgets = [
            PodDisruptionBudget(
                metadata: ClusterObjectMetadata.make(for: cluster, name: "\(name)-primary", labels: labels),
                spec: PodDisruptionBudgetSpec(minAvailable: .int(1), selector: LabelSelector(matchLabels: ServiceBuilder.selector(for: "rw", cluster: cluster)))
            )
        ]
        if instances >= 3, !draining {
            budgets.append(
                PodDisruptionBudget(
                    metadata: ClusterObjectMetadata.make(for: cluster, name: name, labels: labels),
                    spec: PodDisruptionBudgetSpec(
                        minAvailable: .int(instances - 2), selector: LabelSelector(matchLabels: ServiceBuilder.selector(for: "ro", cluster: cluster)))))
        }
        return budgets
    }
}
