/// Why `kubectl cnpg promote` refuses an instance, or nil. Only a healthy replica is promoted: a
/// former primary that has not rejoined yet (right after a failover away from it) would run as
/// primary on its old timeline and drop what the current primary acknowledged since.
public enum PromotionCheck {
    public static func problem(pod: JSONValue, cluster: Cluster) -> String? {
        let name = pod["metadata"]?["name"]?.stringValue ?? ""
        guard pod["metadata"]?["labels"]?[CNPGLabels.cluster]?.stringValue == cluster.metadata.name else {
            return "pod \"\(name)\" is not an instance of cluster \"\(cluster.metadata.name ?? "")\""
        }
        if FencedInstances(cluster: cluster).contains(name) { return "instance \(name) is fenced: unfence it before promoting it" }
        if let target = cluster.status?.handoverTarget {
            return "a switchover or failover to \(target) is in progress: wait until it completes"
        }
        guard PodReadiness.isReady(pod) else { return "instance \(name) is not ready: only a healthy replica can be promoted" }
        guard cluster.status?.instancesReportedState?[name]?.isPrimary == false else {
            return "instance \(name) is not reported as a replica (status.instancesReportedState): only a healthy replica can be promoted"
        }
        return nil
    }
}
