import CNPGCore

/// Discovery and OpenAPI documents built from the registered resource types.
public enum Discovery {
    public static func version() -> JSONValue {
        .object([
            ("major", .string("1")), ("minor", .string("32")), ("gitVersion", .string("v1.32.0-cnpg-sandbox")),
            ("gitCommit", .string("0000000000000000000000000000000000000000")), ("gitTreeState", .string("clean")),
            ("buildDate", .string("2026-11-01T00:00:00Z")), ("goVersion", .string("go1.23")), ("compiler", .string("gc")),
            ("platform", .string("linux/amd64")),
        ])
    }

    static func verbs(_ resource: ResourceType) -> JSONValue {
        .array(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"].map(JSONValue.string))
    }

    public static func coreVersions(serverAddress: String) -> JSONValue {
        .object([
            ("kind", .string("APIVersions")), ("versions", .array([.string("v1")])),
            ("serverAddressByClientCIDRs", .array([.object([("clientCIDR", .string("0.0.0.0/0")), ("serverAddress", .string(serverAddress))])])),
        ])
    }

    static func groupVersions(_ resources: [ResourceType]) -> [(group: String, version: String)] {
        var seen: [(group: String, version: String)] = []
        for resource in resources.sorted(by: { ($0.group, $0.version) < ($1.group, $1.version) }) where !resource.group.isEmpty {
            if !seen.contains(where: { $0.group == resource.group && $0.version == resource.version }) {
                seen.append((resource.group, resource.version))
            }
        }
        return seen
    }

    public static func groupList(_ resources: [ResourceType]) -> JSONValue {
        var groups: [JSONValue] = []
        for (group, version) in groupVersions(resources) {
            let entry: JSONValue = .object([("groupVersion", .string("\(group)/\(version)")), ("version", .string(version))])
            groups.append(.object([("name", .string(group)), ("versions", .array([entry])), ("preferredVersion", entry)]))
        }
        return .object([("kind", .string("APIGroupList")), ("apiVersion", .string("v1")), ("groups", .array(groups))])
    }

    /// `APIResourceList` for one group/version, nil when nothing is served there.
    /// `scalable`: group-resources with a `/scale` subresource (listed as `autoscaling/v1` Scale).
    public static func resourceList(_ resources: [ResourceType], group: String, version: String, scalable: Set<String> = []) -> JSONValue? {
        let served = resources.filter { $0.group == group && $0.version == version }.sorted { $0.plural < $1.plural }
        guard !served.isEmpty else { return nil }
        var entries: [JSONValue] = []
        for resource in served {
            var members: [(String, JSONValue)] = [
                ("name", .string(resource.plural)), ("singularName", .string(resource.singular)),
                ("namespaced", .bool(resource.namespaced)), ("kind", .string(resource.kind)), ("verbs", verbs(resource)),
            ]
            if !resource.shortNames.isEmpty { members.append(("shortNames", .array(resource.shortNames.map(JSONValue.string)))) }
            entries.append(.object(members))
            if resource.hasStatusSubresource {
                entries.append(
                    .object([
                        ("name", .string("\(resource.plural)/status")), ("singularName", .string("")),
                        ("namespaced", .bool(resource.namespaced)), ("kind", .string(resource.kind)),
                        ("verbs", .array(["get", "patch", "update"].map(JSONValue.string))),
                    ]))
            }
            if scalable.contains(resource.groupResource) {
                entries.append(
                    .object([
                        ("name", .string("\(resource.plural)/scale")), ("singularName", .string("")),
                        ("namespaced", .bool(resource.namespaced)), ("group", .string("autoscaling")), ("version", .string("v1")),
                        ("kind", .string("Scale")), ("verbs", .array(["get", "patch", "update"].map(JSONValue.string))),
                    ]))
            }
        }
        let groupVersion = group.isEmpty ? version : "\(group)/\(version)"
        return .object([
            ("kind", .string("APIResourceList")), ("apiVersion", .string("v1")), ("groupVersion", .string(groupVersion)),
            ("resources", .array(entries)),
        ])
    }

    static func gvKey(_ group: String, _ version: String) -> String { group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)" }

    /// `/openapi/v3`: one entry per served group/version.
    public static func openAPIRoot(_ resources: [ResourceType]) -> JSONValue {
        var paths: [(String, JSONValue)] = [
            (gvKey("", "v1"), .object([("serverRelativeURL", .string("/openapi/v3/api/v1?hash=\(hash(resources, "", "v1"))"))]))
        ]
        for (group, version) in groupVersions(resources) {
            let key = gvKey(group, version)
            paths.append((key, .object([("serverRelativeURL", .string("/openapi/v3/\(key)?hash=\(hash(resources, group, version))"))])))
        }
        return .object([("paths", .object(paths))])
    }

    static func hash(_ resources: [ResourceType], _ group: String, _ version: String) -> String {
        let names = resources.filter { $0.group == group && $0.version == version }.map(\.plural).sorted().joined(separator: ",")
        var value: UInt64 = 1_469_598_103_934_665_603
        for byte in names.utf8 { value = (value ^ UInt64(byte)) &* 1_099_511_628_211 }
        return String(value, radix: 16, uppercase: true)
    }

    /// `/openapi/v3/<gv>`: a PATCH operation per kind that accepts `fieldValidation`, so kubectl
    /// validates on the server instead of fetching protobuf OpenAPI v2.
    public static func openAPIGroupVersion(_ resources: [ResourceType], group: String, version: String, schemas: [String: JSONValue] = [:]) -> JSONValue? {
        let served = resources.filter { $0.group == group && $0.version == version }
        guard !served.isEmpty else { return nil }
        var paths: [(String, JSONValue)] = []
        var components: [(String, JSONValue)] = []
        for resource in served.sorted(by: { $0.plural < $1.plural }) {
            let prefix = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
            let path = resource.namespaced ? "\(prefix)/namespaces/{namespace}/\(resource.plural)/{name}" : "\(prefix)/\(resource.plural)/{name}"
            let gvk: JSONValue = .object([("group", .string(group)), ("version", .string(version)), ("kind", .string(resource.kind))])
            let operation: JSONValue = .object([
                ("x-kubernetes-group-version-kind", gvk),
                (
                    "parameters",
                    .array([.object([("name", .string("fieldValidation")), ("in", .string("query")), ("schema", .object([("type", .string("string"))]))])])
                ),
                (
                    "requestBody",
                    .object([
                        (
                            "content",
                            .object([
                                ("application/json-patch+json", .object([])), ("application/merge-patch+json", .object([])),
                                ("application/apply-patch+yaml", .object([])),
                            ])
                        )
                    ])
                ),
                ("responses", .object([("200", .object([("description", .string("OK"))]))])),
            ])
            paths.append((path, .object([("patch", operation)])))
            if let schema = schemas[resource.groupResource] {
                components.append(
                    (
                        "\(group.isEmpty ? "core" : group).\(version).\(resource.kind)",
                        schema.setting("x-kubernetes-group-version-kind", to: .array([gvk]))
                    ))
            }
        }
        return .object([
            ("openapi", .string("3.0.0")), ("info", .object([("title", .string("Kubernetes")), ("version", .string("v1.32.0"))])),
            ("paths", .object(paths)), ("components", .object([("schemas", .object(components))])),
        ])
    }
}
