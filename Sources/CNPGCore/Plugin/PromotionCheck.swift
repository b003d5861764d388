/// What `kubectl cnpg promote` refuses before asking for a switchover: an instance that is not a
/// healthy replica of the cluster (a fenced or not-ready pod would leave the cluster without a primary).
public enum PromotionCheck {
    public static func problem(pod: JSONValue, cluster: Cluster) -> String? {
        let name = pod["metadata"]?["name"]?.stringValue ?? ""
        guard pod["metadata"]?["labels"]?[CNPGLabels.cluster]?.stringValue == cluster.metadata.name else {
            return "pod \"\(name)\" is not an instance of cluster \"\(cluster.metadata.name ?? "")\""
        }
        if FencedInstances(cluster: cluster).contains(name) { return "instance \(name) is fenced: unfence it before promoting it" }
        guard PodReadiness.isReady(pod) else { return "instance \(name) is not ready: only a healthy replica can be promoted" }
        return nil
    }
}
