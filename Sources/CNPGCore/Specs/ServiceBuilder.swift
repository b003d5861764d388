/// The cluster's Services: `-rw` (primary), `-ro` (standbys), `-r` (any instance), optional `-any`,
/// and the additional managed services.
public enum ServiceBuilder {
    public static func majorVersionLabel(for cluster: Cluster) -> String {
        let major = cluster.spec.imageName.flatMap { try? ImageReference.postgresMajorVersion(of: $0).get() }
        return major.map(String.init) ?? ""
    }

    static func commonLabels(for cluster: Cluster) -> [String: String] {
        var labels = [
            CNPGLabels.appName: CNPGLabels.appNameValue, CNPGLabels.appInstance: cluster.metadata.name ?? "",
            CNPGLabels.appComponent: "database",
        ]
        let version = majorVersionLabel(for: cluster)
        if !version.isEmpty { labels[CNPGLabels.appVersion] = version }
        return labels
    }

    public static func selector(for type: String, cluster: Cluster) -> [String: String] {
        let name = cluster.metadata.name ?? ""
        switch type {
        case "rw": return [CNPGLabels.cluster: name, CNPGLabels.instanceRole: "primary"]
        case "ro": return [CNPGLabels.cluster: name, CNPGLabels.instanceRole: "replica"]
        default: return [CNPGLabels.cluster: name, CNPGLabels.podRole: "instance"]
        }
    }

    static let postgresPort = ServicePort(name: "postgres", port: 5432, targetPort: .int(5432))

    public static func defaultServices(for cluster: Cluster, createAnyService: Bool = false) -> [Service] {
        let name = cluster.metadata.name ?? ""
        let disabled = Set(cluster.spec.managed?.services?.disabledDefaultServices ?? [])
        var services: [Service] = []
        for type in ["rw", "ro", "r"] where type == "rw" || !disabled.contains(type) {
            var spec = ServiceSpec()
            spec.type = "ClusterIP"
            spec.ports = [postgresPort]
            spec.selector = selector(for: type, cluster: cluster)
            services.append(
                Service(metadata: ClusterObjectMetadata.make(for: cluster, name: "\(name)-\(type)", labels: commonLabels(for: cluster)), spec: spec))
        }
        if createAnyService {
            var spec = ServiceSpec()
            spec.type = "ClusterIP"
            spec.ports = [postgresPort]
            spec.selector = selector(for: "r", cluster: cluster)
            spec.publishNotReadyAddresses = true
            services.append(Service(metadata: ClusterObjectMetadata.make(for: cluster, name: "\(name)-any", labels: commonLabels(for: cluster)), spec: spec))
        }
        return services
    }

    /// Additional services from `spec.managed.services.additional`: the user's template with the
    /// operator's selector, the default port unless given, and the managed markers.
    public static func managedServices(for cluster: Cluster) -> [Service] {
        (cluster.spec.managed?.services?.additional ?? []).map { managed in
            let template = managed.serviceTemplate
            var labels = commonLabels(for: cluster)
            labels.merge(template.metadata?.labels ?? [:]) { _, user in user }
            labels[CNPGLabels.isManaged] = "true"
            var annotations = template.metadata?.annotations ?? [:]
            annotations["cnpg.io/updateStrategy"] = managed.updateStrategy ?? "patch"
            var spec = template.spec ?? ServiceSpec()
            spec.selector = selector(for: managed.selectorType, cluster: cluster)
            if (spec.ports ?? []).isEmpty { spec.ports = [postgresPort] }
            return Service(
                metadata: ClusterObjectMetadata.make(for: cluster, name: template.metadata?.name ?? "", labels: labels, annotations: annotations), spec: spec)
        }
    }
}
