import CNPGCore
import Foundation

/// `kubectl get` asks for `as=Table`: the server decides the columns. CRDs get Name plus their
/// additionalPrinterColumns; a few built-ins get their usual columns; the rest Name and Age.
extension SandboxAPI {
    struct Column {
        var name: String
        var type: String
        var priority: Int64 = 0
        var cell: @Sendable (JSONValue, Date) -> JSONValue
    }

    static func wantsTable(_ request: APIRequest) -> Bool {
        request.accept?.contains("as=Table") == true
    }

    func columns(for resource: ResourceType) -> [Column] {
        let name = Column(name: "Name", type: "string") { object, _ in object["metadata"]?["name"] ?? .string("") }
        let age = Column(name: "Age", type: "string") { object, now in .string(Self.age(object["metadata"]?["creationTimestamp"]?.stringValue, now: now)) }
        if let printerColumns = crdPrinterColumns[resource.groupResource] {
            return [name]
                + printerColumns.map { column in
                    Column(name: column.name, type: column.type == "date" ? "string" : column.type, priority: column.priority) { object, now in
                        let value = JSONPathLite.evaluate(column.jsonPath, on: object)
                        if column.type == "date", let text = value?.stringValue { return .string(Self.age(text, now: now)) }
                        return value ?? .string("")
                    }
                }
        }
        switch resource.plural {
        case "namespaces":
            return [name, Column(name: "Status", type: "string") { object, _ in object["status"]?["phase"] ?? .string("") }, age]
        case "configmaps":
            return [name, Column(name: "Data", type: "integer") { object, _ in .int(Int64(object["data"]?.objectMembers?.count ?? 0)) }, age]
        case "secrets":
            return [
                name, Column(name: "Type", type: "string") { object, _ in object["type"] ?? .string("Opaque") },
                Column(name: "Data", type: "integer") { object, _ in .int(Int64(object["data"]?.objectMembers?.count ?? 0)) }, age,
            ]
        case "pods":
            return [
                name,
                Column(name: "Ready", type: "string") { object, _ in .string(PodSummary(object).ready) },
                Column(name: "Status", type: "string") { object, _ in .string(PodSummary(object).status) },
                Column(name: "Restarts", type: "string") { object, _ in .string(String(PodSummary(object).restarts)) }, age,
                Column(name: "IP", type: "string", priority: 1) { object, _ in object["status"]?["podIP"] ?? .string("<none>") },
                Column(name: "Node", type: "string", priority: 1) { object, _ in object["spec"]?["nodeName"] ?? .string("<none>") },
            ]
        case "events":
            return [
                Column(name: "Last Seen", type: "string") { object, now in
                    .string(Self.age((object["lastTimestamp"] ?? object["eventTime"] ?? object["metadata"]?["creationTimestamp"])?.stringValue, now: now))
                },
                Column(name: "Type", type: "string") { object, _ in object["type"] ?? .string("Normal") },
                Column(name: "Reason", type: "string") { object, _ in object["reason"] ?? .string("") },
                Column(name: "Object", type: "string") { object, _ in
                    let kind = (object["involvedObject"]?["kind"]?.stringValue ?? "").lowercased()
                    return .string("\(kind)/\(object["involvedObject"]?["name"]?.stringValue ?? "")")
                },
                Column(name: "Message", type: "string") { object, _ in object["message"] ?? .string("") },
            ]
        case "services":
            return [
                name,
                Column(name: "Type", type: "string") { object, _ in object["spec"]?["type"] ?? .string("ClusterIP") },
                Column(name: "Cluster-IP", type: "string") { object, _ in object["spec"]?["clusterIP"] ?? .string("<none>") },
                Column(name: "External-IP", type: "string") { _, _ in .string("<none>") },
                Column(name: "Port(s)", type: "string") { object, _ in
                    guard case .array(let ports)? = object["spec"]?["ports"] else { return .string("<none>") }
                    return .string(
                        ports.map { port in
                            let number: String
                            if case .int(let value)? = port["port"] { number = String(value) } else { number = "?" }
                            return "\(number)/\(port["protocol"]?.stringValue ?? "TCP")"
                        }.joined(separator: ","))
                }, age,
            ]
        default:
            return [name, age]
        }
    }

    func table(_ resource: ResourceType, items: [JSONValue], resourceVersion: String, includeHeaders: Bool = true) -> JSONValue {
        let columns = columns(for: resource)
        let now = clock()
        let rows: [JSONValue] = items.map { item in
            .object([
                ("cells", .array(columns.map { $0.cell(item, now) })),
                (
                    "object",
                    .object([
                        ("kind", .string("PartialObjectMetadata")), ("apiVersion", .string("meta.k8s.io/v1")),
                        ("metadata", item["metadata"] ?? .object([])),
                    ])
                ),
            ])
        }
        var members: [(String, JSONValue)] = [
            ("kind", .string("Table")), ("apiVersion", .string("meta.k8s.io/v1")),
            ("metadata", .object([("resourceVersion", .string(resourceVersion))])),
        ]
        if includeHeaders {
            members.append(
                (
                    "columnDefinitions",
                    .array(
                        columns.map { column in
                            .object([
                                ("name", .string(column.name)), ("type", .string(column.type)), ("format", .string(column.name == "Name" ? "name" : "")),
                                ("description", .string(column.name)), ("priority", .int(column.priority)),
                            ])
                        })
                ))
        }
        members.append(("rows", .array(rows)))
        return .object(members)
    }

    /// An object's AGE column.
    static func age(_ timestamp: String?, now: Date) -> String {
        guard let timestamp, let date = ISO8601DateFormatter().date(from: timestamp) else { return "<unknown>" }
        return KubeTime.humanDuration(seconds: now.timeIntervalSince(date))
    }
}

/// The JSONPath subset printer columns use: `.a.b`, `.a[0].b`, `.a[?(@.k=="v")].b`.
enum JSONPathLite {
    static func evaluate(_ path: String, on value: JSONValue) -> JSONValue? {
        var current: JSONValue? = value
        var rest = Substring(path)
        while !rest.isEmpty, let node = current {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                rest = rest.dropFirst(name.count)
                current = node[String(name)]
            } else if rest.hasPrefix("[?(@.") {
                guard let close = rest.range(of: ")]") else { return nil }
                let condition = rest[rest.index(rest.startIndex, offsetBy: 5)..<close.lowerBound]
                rest = rest[close.upperBound...]
                let parts = condition.components(separatedBy: "==")
                guard parts.count == 2, case .array(let elements) = node else { return nil }
                let expected = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
                current = elements.first { $0[parts[0]]?.stringValue == expected }
            } else if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]),
                    case .array(let elements) = node, elements.indices.contains(index)
                else { return nil }
                rest = rest[rest.index(after: close)...]
                current = elements[index]
            } else {
                return nil
            }
        }
        return current
    }
}
