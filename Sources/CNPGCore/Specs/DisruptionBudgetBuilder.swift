/// PodDisruptionBudgets: `<c>-primary` keeps the primary up; `<c>` keeps all but one standby up
/// (only from 3 instances). None when `enablePDB` is false.
public enum DisruptionBudgetBuilder {
    public static func budgets(for cluster: Cluster) -> [PodDisruptionBudget] {
        guard cluster.spec.enablePDB != false else { return [] }
        let name = cluster.metadata.name ?? ""
        let labels = ServiceBuilder.commonLabels(for: cluster)
        var budgets = [PodDisruptionBudget(
            metadata: ClusterObjectMetadata.make(for: cluster, name: "\(name)-primary", labels: labels),
            spec: PodDisruptionBudgetSpec(minAvailable: .int(1), selector: LabelSelector(matchLabels: ServiceBuilder.selector(for: "rw", cluster: cluster))))]
        let instances = cluster.spec.instances ?? 1
        if instances >= 3 {
            budgets.append(PodDisruptionBudget(
                metadata: ClusterObjectMetadata.make(for: cluster, name: name, labels: labels),
                spec: PodDisruptionBudgetSpec(minAvailable: .int(instances - 2), selector: LabelSelector(matchLabels: ServiceBuilder.selector(for: "ro", cluster: cluster)))))
        }
        return budgets
    }
}
