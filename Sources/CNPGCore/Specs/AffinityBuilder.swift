/// Scheduling constraints of instance pods and jobs.
public enum AffinityBuilder {
    public static func affinity(for cluster: Cluster) -> Affinity? {
        let configuration = cluster.spec.affinity ?? AffinityConfiguration()
        var affinity = Affinity()
        affinity.nodeAffinity = configuration.nodeAffinity
        affinity.podAffinity = configuration.additionalPodAffinity
        var antiAffinity = PodAntiAffinity()
        if configuration.enablePodAntiAffinity != false {
            let term = PodAffinityTerm(
                labelSelector: LabelSelector(matchExpressions: [
                    LabelSelectorRequirement(key: CNPGLabels.cluster, operator: "In", values: [cluster.metadata.name ?? ""]),
                    LabelSelectorRequirement(key: CNPGLabels.podRole, operator: "In", values: ["instance"]),
                ]), topologyKey: (configuration.topologyKey ?? "").isEmpty ? "kubernetes.io/hostname" : configuration.topologyKey!)
            if configuration.podAntiAffinityType == "required" {
                antiAffinity.requiredDuringSchedulingIgnoredDuringExecution = [term]
            } else {
                antiAffinity.preferredDuringSchedulingIgnoredDuringExecution = [WeightedPodAffinityTerm(weight: 100, podAffinityTerm: term)]
            }
        }
        if let additional = configuration.additionalPodAntiAffinity {
            let required =
                (antiAffinity.requiredDuringSchedulingIgnoredDuringExecution ?? []) + (additional.requiredDuringSchedulingIgnoredDuringExecution ?? [])
            let preferred =
                (antiAffinity.preferredDuringSchedulingIgnoredDuringExecution ?? []) + (additional.preferredDuringSchedulingIgnoredDuringExecution ?? [])
            antiAffinity.requiredDuringSchedulingIgnoredDuringExecution = required.isEmpty ? nil : required
            antiAffinity.preferredDuringSchedulingIgnoredDuringExecution = preferred.isEmpty ? nil : preferred
        }
        if antiAffinity != PodAntiAffinity() { affinity.podAntiAffinity = antiAffinity }
        return affinity == Affinity() ? nil : affinity
    }
}
