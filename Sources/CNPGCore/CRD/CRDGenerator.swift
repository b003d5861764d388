/// Generates the `apiextensions.k8s.io/v1` CustomResourceDefinitions of the CNPG kinds we serve,
/// with schemas derived from the Swift types.
public enum CRDGenerator {
    public struct PrinterColumn: Sendable {
        var name: String
        var type: String
        var jsonPath: String
        var priority: Int64 = 0
        var description: String?
    }

    public struct KindInfo: Sendable {
        public var kind: String
        public var plural: String
        public var schema: @Sendable () -> OpenAPISchema
        var columns: [PrinterColumn]
        var scale: (specPath: String, statusPath: String, selectorPath: String?)?
    }

    private static let age = PrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp")

    public static let kinds: [KindInfo] = [
        KindInfo(
            kind: Cluster.kind, plural: Cluster.plural, schema: { rootSchema(Cluster.self) },
            columns: [
                age,
                PrinterColumn(name: "Instances", type: "integer", jsonPath: ".status.instances", description: "Number of instances"),
                PrinterColumn(name: "Ready", type: "integer", jsonPath: ".status.readyInstances", description: "Number of ready instances"),
                PrinterColumn(name: "Status", type: "string", jsonPath: ".status.phase", description: "Cluster current status"),
                PrinterColumn(name: "Primary", type: "string", jsonPath: ".status.currentPrimary", description: "Primary pod"),
                PrinterColumn(
                    name: "SyncTopology", type: "string",
                    jsonPath: ".status.conditions[?(@.type==\"SyncReplicationTopologySatisfied\")].reason", priority: 1,
                    description: "Synchronous replication topology"),
            ], scale: (".spec.instances", ".status.instances", ".status.selector")),
        KindInfo(
            kind: Pooler.kind, plural: Pooler.plural, schema: { rootSchema(Pooler.self) },
            columns: [
                age,
                PrinterColumn(name: "Cluster", type: "string", jsonPath: ".spec.cluster.name"),
                PrinterColumn(name: "Type", type: "string", jsonPath: ".spec.type"),
                PrinterColumn(name: "Phase", type: "string", jsonPath: ".status.phase"),
            ], scale: (".spec.instances", ".status.instances", nil)),
        KindInfo(
            kind: Backup.kind, plural: Backup.plural, schema: { rootSchema(Backup.self) },
            columns: [
                age,
                PrinterColumn(name: "Cluster", type: "string", jsonPath: ".spec.cluster.name"),
                PrinterColumn(name: "Method", type: "string", jsonPath: ".spec.method"),
                PrinterColumn(name: "Phase", type: "string", jsonPath: ".status.phase"),
                PrinterColumn(name: "Error", type: "string", jsonPath: ".status.error"),
            ], scale: nil),
        KindInfo(
            kind: ScheduledBackup.kind, plural: ScheduledBackup.plural, schema: { rootSchema(ScheduledBackup.self) },
            columns: [
                age,
                PrinterColumn(name: "Cluster", type: "string", jsonPath: ".spec.cluster.name"),
                PrinterColumn(name: "Last Backup", type: "date", jsonPath: ".status.lastScheduleTime"),
            ], scale: nil),
        KindInfo(
            kind: FailoverQuorum.kind, plural: FailoverQuorum.plural, schema: { rootSchema(FailoverQuorum.self) },
            columns: [age], scale: nil),
    ]

    public static func kindInfo(_ kind: String) -> KindInfo? { kinds.first { $0.kind == kind } }

    /// The schema of a whole object: metadata is left to the API server, as Kubernetes requires.
    static func rootSchema<T: Decodable>(_ type: T.Type) -> OpenAPISchema {
        var schema = SchemaDeriver.schema(for: type)
        if let index = schema.properties.firstIndex(where: { $0.0 == "metadata" }) {
            schema.properties[index].1 = OpenAPISchema(type: "object")
        }
        // FailoverQuorum has a status only.
        schema.required = schema.properties.contains { $0.0 == "spec" } ? ["metadata", "spec"] : ["metadata"]
        return schema
    }

    public static func customResourceDefinitions() -> [JSONValue] { kinds.map(customResourceDefinition) }

    public static func customResourceDefinition(_ info: KindInfo) -> JSONValue {
        var subresources: [(String, JSONValue)] = [("status", .object([]))]
        if let scale = info.scale {
            var members: [(String, JSONValue)] = [
                ("specReplicasPath", .string(scale.specPath)),
                ("statusReplicasPath", .string(scale.statusPath)),
            ]
            if let selector = scale.selectorPath { members.append(("labelSelectorPath", .string(selector))) }
            subresources.append(("scale", .object(members)))
        }
        let columns: [JSONValue] = info.columns.map { column in
            var members: [(String, JSONValue)] = [
                ("name", .string(column.name)), ("type", .string(column.type)), ("jsonPath", .string(column.jsonPath)),
            ]
            if let description = column.description { members.append(("description", .string(description))) }
            if column.priority != 0 { members.append(("priority", .int(column.priority))) }
            return .object(members)
        }
        let version: JSONValue = .object([
            ("name", .string(CNPG.version)),
            ("served", .bool(true)),
            ("storage", .bool(true)),
            ("additionalPrinterColumns", .array(columns)),
            ("schema", .object([("openAPIV3Schema", info.schema().json)])),
            ("subresources", .object(subresources)),
        ])
        return .object([
            ("apiVersion", .string("apiextensions.k8s.io/v1")),
            ("kind", .string("CustomResourceDefinition")),
            (
                "metadata",
                .object([
                    ("name", .string("\(info.plural).\(CNPG.group)")),
                    ("labels", .object([("app.kubernetes.io/name", .string("cloudnative-pg"))])),
                ])
            ),
            (
                "spec",
                .object([
                    ("group", .string(CNPG.group)),
                    (
                        "names",
                        .object([
                            ("kind", .string(info.kind)),
                            ("listKind", .string(info.kind + "List")),
                            ("plural", .string(info.plural)),
                            ("singular", .string(info.kind.lowercased())),
                        ])
                    ),
                    ("scope", .string("Namespaced")),
                    ("versions", .array([version])),
                ])
            ),
        ])
    }
}
