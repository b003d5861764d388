/// The resource types the operator, the instance manager and the plugin address by name.
extension ResourceType {
    static func builtin(_ plural: String) -> ResourceType {
        guard let type = BuiltinResources.all.first(where: { $0.plural == plural }) else {
            preconditionFailure("\(plural) is not a built-in resource")
        }
        return type
    }

    public static let pods = builtin("pods")
    public static let services = builtin("services")
    public static let secrets = builtin("secrets")
    public static let configMaps = builtin("configmaps")
    public static let serviceAccounts = builtin("serviceaccounts")
    public static let events = builtin("events")
    public static let persistentVolumeClaims = builtin("persistentvolumeclaims")
    public static let jobs = builtin("jobs")
    public static let roles = builtin("roles")
    public static let roleBindings = builtin("rolebindings")
    public static let namespaces = builtin("namespaces")
    public static let nodes = builtin("nodes")
    public static let endpoints = builtin("endpoints")
    public static let endpointSlices = builtin("endpointslices")
    public static let deployments = builtin("deployments")
    public static let mutatingWebhookConfigurations = builtin("mutatingwebhookconfigurations")
    public static let validatingWebhookConfigurations = builtin("validatingwebhookconfigurations")
    public static let podDisruptionBudgets = builtin("poddisruptionbudgets")
    public static let leases = builtin("leases")
    public static let networkPolicies = builtin("networkpolicies")

    public static let clusters = ResourceType(
        group: CNPG.group, version: CNPG.version, plural: "clusters", kind: "Cluster",
        namespaced: true, hasStatusSubresource: true)
    public static let poolers = ResourceType(
        group: CNPG.group, version: CNPG.version, plural: "poolers", kind: "Pooler",
        namespaced: true, hasStatusSubresource: true)
    public static let backups = ResourceType(
        group: CNPG.group, version: CNPG.version, plural: "backups", kind: "Backup",
        namespaced: true, hasStatusSubresource: true)
    /// The CSI snapshot API (external-snapshotter's CRDs; present only where a cluster installs them).
    public static let volumeSnapshots = ResourceType(
        group: "snapshot.storage.k8s.io", version: "v1", plural: "volumesnapshots",
        kind: "VolumeSnapshot", namespaced: true, shortNames: ["vs"], hasStatusSubresource: true)
    public static let volumeSnapshotContents = ResourceType(
        group: "snapshot.storage.k8s.io", version: "v1", plural: "volumesnapshotcontents",
        kind: "VolumeSnapshotContent", namespaced: false, shortNames: ["vsc", "vscs"],
        hasStatusSubresource: true)
    public static let volumeSnapshotClasses = ResourceType(
        group: "snapshot.storage.k8s.io", version: "v1", plural: "volumesnapshotclasses",
        kind: "VolumeSnapshotClass", namespaced: false, shortNames: ["vsclass", "vsclasses"])
    public static let customResourceDefinitions = builtin("customresourcedefinitions")
    public static let podMonitors = ResourceType(
        group: "monitoring.coreos.com", version: "v1", plural: "podmonitors", kind: "PodMonitor", namespaced: true)
    public static let failoverQuorums = ResourceType(
        group: CNPG.group, version: CNPG.version, plural: "failoverquorums",
        kind: "FailoverQuorum", namespaced: true, hasStatusSubresource: true)
    public static let scheduledBackups = ResourceType(
        group: CNPG.group, version: CNPG.version, plural: "scheduledbackups",
        kind: "ScheduledBackup", namespaced: true, hasStatusSubresource: true)
}
