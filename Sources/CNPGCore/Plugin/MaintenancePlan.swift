/// `kubectl cnpg maintenance set|unset`: what changes on each Cluster (`spec.nodeMaintenanceWindow`),
/// shown as CNPG's table before it is applied.
public struct MaintenancePlan: Sendable, Equatable {
    public struct Change: Sendable, Equatable {
        public let namespace: String
        public let cluster: String
        public let inProgress: (old: Bool, new: Bool)
        public let reusePVC: (old: Bool, new: Bool)

        public static func == (lhs: Change, rhs: Change) -> Bool {
            lhs.namespace == rhs.namespace && lhs.cluster == rhs.cluster && lhs.inProgress == rhs.inProgress && lhs.reusePVC == rhs.reusePVC
        }

        /// The merge patch that makes it so.
        public var patch: JSONValue {
            .object([
                (
                    "spec",
                    .object([
                        (
                            "nodeMaintenanceWindow",
                            .object([
                                ("inProgress", .bool(inProgress.new)), ("reusePVC", .bool(reusePVC.new)),
                            ])
                        )
                    ])
                )
            ])
        }
    }

    public let changes: [Change]

    /// `clusters` as listed (Cluster objects); `inProgress` true for `set`; `reusePVC` is the flag
    /// (CNPG's plugin defaults it to false). A window never set counts as off, reusing PVCs (the CRD default).
    public init(clusters: [JSONValue], inProgress: Bool, reusePVC: Bool) {
        changes = clusters.compactMap { object -> Change? in
            guard let name = object["metadata"]?["name"]?.stringValue else { return nil }
            let window = object["spec"]?["nodeMaintenanceWindow"]
            return Change(
                namespace: object["metadata"]?["namespace"]?.stringValue ?? "", cluster: name,
                inProgress: (window?["inProgress"] == .bool(true), inProgress),
                reusePVC: (window?["reusePVC"].map { $0 == .bool(true) } ?? true, reusePVC))
        }.sorted { ($0.namespace, $0.cluster) < ($1.namespace, $1.cluster) }
    }

    public var table: String {
        var table = TextTable(["Namespace", "Cluster Name", "Maintenance", "reusePVC"])
        for change in changes {
            table.add([
                change.namespace, change.cluster, "\(change.inProgress.old) => \(change.inProgress.new)",
                "\(change.reusePVC.old) => \(change.reusePVC.new)",
            ])
        }
        return table.rendered
    }
}
