extension OpenAPISchema {
    /// Reads a CRD's `openAPIV3Schema` (the subset structural schemas use).
    public init(json: JSONValue) {
        self.init(type: json["type"]?.stringValue, format: json["format"]?.stringValue)
        description = json["description"]?.stringValue
        if case .object(let members)? = json["properties"] { properties = members.map { ($0.0, OpenAPISchema(json: $0.1)) } }
        if case .array(let names)? = json["required"] { required = names.compactMap(\.stringValue) }
        if let items = json["items"] { self.items = [OpenAPISchema(json: items)] }
        if let additional = json["additionalProperties"], additional.objectMembers != nil { additionalProperties = [OpenAPISchema(json: additional)] }
        if case .array(let values)? = json["enum"] { enumValues = values }
        defaultValue = json["default"]
        if case .int(let value)? = json["minimum"] { minimum = value }
        if case .int(let value)? = json["maximum"] { maximum = value }
        if case .int(let value)? = json["minLength"] { minLength = Int(value) }
        if case .int(let value)? = json["maxLength"] { maxLength = Int(value) }
        if case .int(let value)? = json["minItems"] { minItems = Int(value) }
        pattern = json["pattern"]?.stringValue
        preserveUnknownFields = json["x-kubernetes-preserve-unknown-fields"] == .bool(true)
        intOrString = json["x-kubernetes-int-or-string"] == .bool(true)
        embeddedResource = json["x-kubernetes-embedded-resource"] == .bool(true)
    }

    /// Drops fields the schema does not declare, as the API server prunes custom resources.
    /// Returns the pruned value and the paths that were dropped.
    public func prune(_ value: JSONValue, at path: FieldPath = FieldPath("")) -> (JSONValue, [String]) {
        switch value {
        case .object(let members):
            if preserveUnknownFields, properties.isEmpty { return (value, []) }
            var kept: [(String, JSONValue)] = []
            var dropped: [String] = []
            for (key, member) in members {
                if path.description.isEmpty, key == "metadata" {
                    kept.append((key, member))  // ObjectMeta is the API server's, not the CRD's
                } else if let schema = property(key) {
                    let (pruned, inner) = schema.prune(member, at: path.child(key))
                    kept.append((key, pruned))
                    dropped += inner
                } else if let valueSchema = additionalProperties.first {
                    let (pruned, inner) = valueSchema.prune(member, at: path.key(key))
                    kept.append((key, pruned))
                    dropped += inner
                } else if preserveUnknownFields || (path.description.isEmpty && ["apiVersion", "kind", "metadata"].contains(key)) {
                    kept.append((key, member))
                } else {
                    dropped.append(path.child(key).description)
                }
            }
            return (.object(kept), dropped)
        case .array(let elements):
            guard let itemSchema = items.first else { return (value, []) }
            var dropped: [String] = []
            let pruned = elements.enumerated().map { index, element -> JSONValue in
                let (result, inner) = itemSchema.prune(element, at: path.index(index))
                dropped += inner
                return result
            }
            return (.array(pruned), dropped)
        default:
            return (value, [])
        }
    }
}
