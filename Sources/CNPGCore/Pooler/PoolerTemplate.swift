/// A Pooler's `template` and `serviceTemplate` over what the operator generates, as CNPG's pod
/// spec builder does: the user's pod-level fields win; a container or volume with the same name
/// as one of the operator's is merged field by field (the user's fields win, environment
/// variables are merged by name), others are added; the template's labels and annotations are
/// added to the pods' (the selector labels stay the operator's).
public enum PoolerTemplate {
    public static func podTemplate(generated: JSONValue, userTemplate: JSONValue?) -> JSONValue {
        guard let userTemplate, case .object = userTemplate else { return generated }
        let metadata = addingLabelsAndAnnotations(of: userTemplate, to: generated["metadata"] ?? .object([]))
        var spec = generated["spec"] ?? .object([])
        if case .object(let fields)? = userTemplate["spec"] {
            for (key, value) in fields {
                switch key {
                case "containers", "initContainers", "volumes":
                    spec = spec.setting(key, to: mergedByName(spec[key], value, mergeEach: key != "volumes"))
                default:
                    spec = spec.setting(key, to: value)
                }
            }
        }
        return generated.setting("metadata", to: metadata).setting("spec", to: spec)
    }

    /// The user's service template as the base, with the operator's selector and `pgbouncer` port.
    public static func service(generated: JSONValue, userTemplate: JSONValue?) -> JSONValue {
        guard let userTemplate, case .object = userTemplate else { return generated }
        let metadata = addingLabelsAndAnnotations(of: userTemplate, to: generated["metadata"] ?? .object([]))
        var spec = userTemplate["spec"] ?? .object([])
        spec = spec.setting("selector", to: generated["spec"]?["selector"] ?? .null)
        if spec["type"] == nil { spec = spec.setting("type", to: generated["spec"]?["type"] ?? .string("ClusterIP")) }
        let ours = generated["spec"]?["ports"]?.arrayValue ?? []
        var ports = spec["ports"]?.arrayValue ?? []
        for port in ours where !ports.contains(where: { $0["name"] == port["name"] }) { ports.append(port) }
        spec = spec.setting("ports", to: .array(ports))
        return generated.setting("metadata", to: metadata).setting("spec", to: spec)
    }

    /// The template's labels and annotations added to `metadata`, where it has none of that key.
    static func addingLabelsAndAnnotations(of userTemplate: JSONValue, to metadata: JSONValue) -> JSONValue {
        var metadata = metadata
        for key in ["labels", "annotations"] {
            guard case .object(let added)? = userTemplate["metadata"]?[key] else { continue }
            var merged = metadata[key] ?? .object([])
            for (name, value) in added where merged[name] == nil { merged = merged.setting(name, to: value) }
            metadata = metadata.setting(key, to: merged)
        }
        return metadata
    }

    static func mergedByName(_ generated: JSONValue?, _ user: JSONValue, mergeEach: Bool) -> JSONValue {
        var items = generated?.arrayValue ?? []
        for item in user.arrayValue ?? [] {
            guard let index = items.firstIndex(where: { $0["name"] != nil && $0["name"] == item["name"] }) else {
                items.append(item)
                continue
            }
            items[index] = mergeEach ? mergedContainer(items[index], item) : item
        }
        return .array(items)
    }

    static func mergedContainer(_ generated: JSONValue, _ user: JSONValue) -> JSONValue {
        guard case .object(let fields) = user else { return generated }
        var merged = generated
        for (key, value) in fields {
            if key == "env" || key == "volumeMounts" {
                let mergeKey = key == "env" ? "name" : "mountPath"
                var items = generated[key]?.arrayValue ?? []
                for item in value.arrayValue ?? [] {
                    if let index = items.firstIndex(where: { $0[mergeKey] == item[mergeKey] }) { items[index] = item } else { items.append(item) }
                }
                merged = merged.setting(key, to: .array(items))
            } else {
                merged = merged.setting(key, to: value)
            }
        }
        return merged
    }
}
