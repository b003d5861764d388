import CNPGCore

/// A pod made from a workload's pod template, as the Job and Deployment controllers make them:
/// the template's metadata with `generateName`, the controller's labels and a controller owner reference.
enum PodTemplate {
    static func pod(
        from template: JSONValue, generateName: String, namespace: String, labels: [(String, String)],
        ownerAPIVersion: String, ownerKind: String, ownerName: String, ownerUID: String
    ) -> JSONValue {
        var merged = template["metadata"]?["labels"]?.objectMembers ?? []
        merged.removeAll { key, _ in labels.contains { $0.0 == key } }
        merged += labels.map { ($0.0, JSONValue.string($0.1)) }
        let owner: JSONValue = .object([
            ("apiVersion", .string(ownerAPIVersion)), ("kind", .string(ownerKind)), ("name", .string(ownerName)),
            ("uid", .string(ownerUID)), ("controller", .bool(true)), ("blockOwnerDeletion", .bool(true)),
        ])
        let metadata = (template["metadata"] ?? .object([]))
            .setting("generateName", to: .string(generateName))
            .setting("namespace", to: .string(namespace))
            .setting("labels", to: .object(merged))
            .setting("ownerReferences", to: .array([owner]))
        return .object([("apiVersion", .string("v1")), ("kind", .string("Pod")), ("metadata", metadata), ("spec", template["spec"] ?? .object([]))])
    }
}
