/// Label keys and values on generated objects, in one place.
public enum CNPGLabels {
    public static let cluster = "cnpg.io/cluster"
    public static let instanceName = "cnpg.io/instanceName"
    public static let podRole = "cnpg.io/podRole"
    public static let instanceRole = "cnpg.io/instanceRole"
    public static let legacyRole = "role"
    public static let jobRole = "cnpg.io/jobRole"
    public static let pvcRole = "cnpg.io/pvcRole"
    public static let tablespaceName = "cnpg.io/tablespaceName"
    public static let poolerName = "cnpg.io/poolerName"
    public static let reload = "cnpg.io/reload"
    public static let userType = "cnpg.io/userType"
    public static let isManaged = "cnpg.io/isManaged"

    public static let managedBy = "app.kubernetes.io/managed-by"
    public static let managedByValue = "cloudnative-pg"
    public static let appName = "app.kubernetes.io/name"
    public static let appNameValue = "postgresql"
    public static let appInstance = "app.kubernetes.io/instance"
    public static let appVersion = "app.kubernetes.io/version"
    public static let appComponent = "app.kubernetes.io/component"
}

/// Metadata every object generated for a cluster carries: its labels, inherited metadata, owner.
public enum ClusterObjectMetadata {
    /// Name, namespace, `managed-by`, optionally `cnpg.io/cluster`, the cluster's inherited metadata,
    /// the operator version annotation and a controller ownerReference to the Cluster.
    public static func make(
        for cluster: Cluster, name: String, clusterLabel: Bool = true,
        labels: [String: String] = [:], annotations: [String: String] = [:]
    ) -> ObjectMeta {
        var allLabels = cluster.spec.inheritedMetadata?.labels ?? [:]
        var allAnnotations = cluster.spec.inheritedMetadata?.annotations ?? [:]
        allLabels[CNPGLabels.managedBy] = CNPGLabels.managedByValue
        if clusterLabel { allLabels[CNPGLabels.cluster] = cluster.metadata.name ?? "" }
        allLabels.merge(labels) { _, new in new }
        allAnnotations["cnpg.io/operatorVersion"] = CNPG.operatorVersion
        allAnnotations.merge(annotations) { _, new in new }
        var metadata = ObjectMeta(name: name, namespace: cluster.metadata.namespace, labels: allLabels, annotations: allAnnotations)
        if let uid = cluster.metadata.uid {
            metadata.ownerReferences = [
                OwnerReference(
                    apiVersion: CNPG.apiVersion, kind: Cluster.kind, name: cluster.metadata.name ?? "",
                    uid: uid, controller: true, blockOwnerDeletion: true)
            ]
        }
        return metadata
    }
}
