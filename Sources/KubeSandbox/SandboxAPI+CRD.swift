import CNPGCore

extension SandboxAPI {
    /// Bookkeeping after a successful write: CRDs become (or stop being) served, watchers hear about it.
    func afterWrite(_ resource: ResourceType, _ object: JSONValue) {
        if resource.plural == "customresourcedefinitions" { syncCustomResourceDefinitions() }
        broadcast()
    }

    /// Serves the resources of every stored CRD, with its schema, and marks new CRDs Established.
    func syncCustomResourceDefinitions() {
        let crdType = store.resource("customresourcedefinitions.apiextensions.k8s.io")!
        var served: Set<String> = []
        for crd in store.list(crdType, namespace: nil).items {
            guard let spec = crd["spec"], let group = spec["group"]?.stringValue, let plural = spec["names"]?["plural"]?.stringValue,
                let kind = spec["names"]?["kind"]?.stringValue, case .array(let versions)? = spec["versions"],
                let version = versions.first(where: { $0["storage"] == .bool(true) }) ?? versions.first,
                let versionName = version["name"]?.stringValue
            else { continue }
            var shortNames: [String] = []
            if case .array(let names)? = spec["names"]?["shortNames"] { shortNames = names.compactMap(\.stringValue) }
            let type = ResourceType(
                group: group, version: versionName, plural: plural, kind: kind,
                namespaced: spec["scope"]?.stringValue != "Cluster", shortNames: shortNames,
                hasStatusSubresource: version["subresources"]?["status"] != nil)
            store.register(type)
            served.insert(type.groupResource)
            var printerColumns: [(name: String, type: String, jsonPath: String, priority: Int64)] = []
            if case .array(let columns)? = version["additionalPrinterColumns"] {
                for column in columns {
                    guard let name = column["name"]?.stringValue, let jsonPath = column["jsonPath"]?.stringValue else { continue }
                    var priority: Int64 = 0
                    if case .int(let value)? = column["priority"] { priority = value }
                    printerColumns.append((name, column["type"]?.stringValue ?? "string", jsonPath, priority))
                }
            }
            crdPrinterColumns[type.groupResource] =
                printerColumns.isEmpty
                ? [("Age", "date", ".metadata.creationTimestamp", 0)] : printerColumns
            scaleSubresources[type.groupResource] = ScalePaths(crdScale: version["subresources"]?["scale"])
            if let schema = version["schema"]?["openAPIV3Schema"] {
                crdSchemas[type.groupResource] = OpenAPISchema(json: schema)
                crdSchemaJSON[type.groupResource] = schema
            }
            if crd["metadata"]?["deletionTimestamp"] == nil, crd["status"]?["conditions"] == nil, let name = crd["metadata"]?["name"]?.stringValue {
                let conditions: JSONValue = .array(
                    ["NamesAccepted", "Established"].map { type in
                        .object([
                            ("type", .string(type)), ("status", .string("True")),
                            ("reason", .string(type == "Established" ? "InitialNamesAccepted" : "NoConflicts")),
                            ("message", .string(type == "Established" ? "the initial names have been accepted" : "no conflicts found")),
                            ("lastTransitionTime", crd["metadata"]?["creationTimestamp"] ?? .null),
                        ])
                    })
                let status: JSONValue = .object([
                    ("conditions", conditions), ("acceptedNames", spec["names"] ?? .null), ("storedVersions", .array([.string(versionName)])),
                ])
                _ = try? store.update(crdType, namespace: nil, name: name, crd.setting("status", to: status), subresource: "status")
            }
        }
        for (groupResource, _) in crdSchemas where !served.contains(groupResource) {
            crdSchemas[groupResource] = nil
            crdSchemaJSON[groupResource] = nil
            crdPrinterColumns[groupResource] = nil
            scaleSubresources[groupResource] = nil
            store.unregister(groupResource)
        }
    }

    /// Custom resources get what the API server does to them: pruning of unknown fields, schema
    /// defaults, then schema validation (422 with field causes).
    func admitCustomResource(_ resource: ResourceType, _ body: JSONValue) throws -> JSONValue {
        guard let schema = crdSchemas[resource.groupResource] else { return body }
        let (pruned, _) = schema.prune(body)
        let defaulted = SchemaDefaulter.apply(schema, to: pruned)
        let errors = SchemaValidator.validate(defaulted, against: schema).filter { !$0.path.hasPrefix("metadata") }
        if !errors.isEmpty {
            throw StatusError.invalid(resource, body["metadata"]?["name"]?.stringValue ?? "", errors)
        }
        return defaulted
    }
}
