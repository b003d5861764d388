import CNPGCore

/// The CSI snapshot API as a cluster with external-snapshotter installed serves it: the three
/// `snapshot.storage.k8s.io/v1` CRDs (their specs and statuses kept as sent, with the printer
/// columns kubectl shows) and a default VolumeSnapshotClass for the sandbox's volume driver.
enum VolumeSnapshotDefinitions {
    static let driver = "volumes.kube-sandbox.local"
    static let defaultClassName = "kube-sandbox-snapshots"
    static let defaultClassAnnotation = "snapshot.storage.kubernetes.io/is-default-class"

    static func customResourceDefinitions() -> [JSONValue] {
        [
            definition(
                .volumeSnapshots, singular: "volumesnapshot",
                columns: [
                    column("ReadyToUse", "boolean", ".status.readyToUse"),
                    column("SourcePVC", "string", ".spec.source.persistentVolumeClaimName"),
                    column("SourceSnapshotContent", "string", ".spec.source.volumeSnapshotContentName"),
                    column("RestoreSize", "string", ".status.restoreSize"),
                    column("SnapshotClass", "string", ".spec.volumeSnapshotClassName"),
                    column("SnapshotContent", "string", ".status.boundVolumeSnapshotContentName"),
                    column("CreationTime", "date", ".status.creationTime"),
                    column("Age", "date", ".metadata.creationTimestamp"),
                ]),
            definition(
                .volumeSnapshotContents, singular: "volumesnapshotcontent",
                columns: [
                    column("ReadyToUse", "boolean", ".status.readyToUse"),
                    column("RestoreSize", "integer", ".status.restoreSize"),
                    column("DeletionPolicy", "string", ".spec.deletionPolicy"),
                    column("Driver", "string", ".spec.driver"),
                    column("VolumeSnapshotClass", "string", ".spec.volumeSnapshotClassName"),
                    column("VolumeSnapshot", "string", ".spec.volumeSnapshotRef.name"),
                    column("VolumeSnapshotNamespace", "string", ".spec.volumeSnapshotRef.namespace"),
                    column("Age", "date", ".metadata.creationTimestamp"),
                ]),
            definition(
                .volumeSnapshotClasses, singular: "volumesnapshotclass",
                columns: [
                    column("Driver", "string", ".driver"),
                    column("DeletionPolicy", "string", ".deletionPolicy"),
                    column("Age", "date", ".metadata.creationTimestamp"),
                ]),
        ]
    }

    static func defaultClass() -> JSONValue {
        .object([
            ("apiVersion", .string("snapshot.storage.k8s.io/v1")), ("kind", .string("VolumeSnapshotClass")),
            (
                "metadata",
                .object([
                    ("name", .string(defaultClassName)),
                    ("annotations", .object([(defaultClassAnnotation, .string("true"))])),
                ])
            ),
            ("driver", .string(driver)), ("deletionPolicy", .string("Delete")),
        ])
    }

    private static func column(_ name: String, _ type: String, _ path: String) -> JSONValue {
        .object([("name", .string(name)), ("type", .string(type)), ("jsonPath", .string(path))])
    }

    private static func definition(_ type: ResourceType, singular: String, columns: [JSONValue]) -> JSONValue {
        let open: JSONValue = .object([("type", .string("object")), ("x-kubernetes-preserve-unknown-fields", .bool(true))])
        // A class has its fields at the top level (driver, deletionPolicy, parameters), the others a spec and a status.
        let properties: JSONValue =
            type.hasStatusSubresource
            ? .object([("spec", open), ("status", open)])
            : .object([
                ("driver", .object([("type", .string("string"))])), ("deletionPolicy", .object([("type", .string("string"))])),
                ("parameters", .object([("type", .string("object")), ("additionalProperties", .object([("type", .string("string"))]))])),
            ])
        var version: [(String, JSONValue)] = [
            ("name", .string(type.version)), ("served", .bool(true)), ("storage", .bool(true)),
            (
                "schema",
                .object([
                    (
                        "openAPIV3Schema",
                        .object([
                            ("type", .string("object")), ("properties", properties),
                            ("x-kubernetes-preserve-unknown-fields", .bool(true)),
                        ])
                    )
                ])
            ),
            ("additionalPrinterColumns", .array(columns)),
        ]
        if type.hasStatusSubresource { version.append(("subresources", .object([("status", .object([]))]))) }
        return .object([
            ("apiVersion", .string("apiextensions.k8s.io/v1")), ("kind", .string("CustomResourceDefinition")),
            ("metadata", .object([("name", .string(type.groupResource))])),
            (
                "spec",
                .object([
                    ("group", .string(type.group)),
                    (
                        "names",
                        .object([
                            ("plural", .string(type.plural)), ("singular", .string(singular)), ("kind", .string(type.kind)),
                            ("listKind", .string(type.kind + "List")), ("shortNames", .array(type.shortNames.map(JSONValue.string))),
                        ])
                    ),
                    ("scope", .string(type.namespaced ? "Namespaced" : "Cluster")),
                    ("versions", .array([.object(version)])),
                ])
            ),
        ])
    }
}
