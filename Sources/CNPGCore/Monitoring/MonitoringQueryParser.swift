import Foundation

/// Reads CNPG's custom-queries YAML (a map of query name → spec). Errors name the source, the
/// query and the field, so a user sees which ConfigMap key to fix.
public enum MonitoringQueryParser {
    public struct ParseError: Error, CustomStringConvertible, Sendable, Equatable {
        public var description: String
    }

    public static func parse(_ text: String, source: String) throws -> [MonitoringQuery] {
        let documents: [YAMLDocument]
        do { documents = try YAMLLoader.documents(from: text) } catch {
            throw ParseError(description: "\(source): not valid YAML: \(error)")
        }
        guard documents.count <= 1 else { throw ParseError(description: "\(source): expected one YAML document, found \(documents.count)") }
        guard let document = documents.first else { return [] }
        guard let members = document.value.objectMembers else {
            throw ParseError(description: "\(source): expected a map of query names to query definitions")
        }
        return try members.map { key, value in try query(key: key, value, source: "\(source): query \(key)") }
    }

    private static func query(key: String, _ value: JSONValue, source: String) throws -> MonitoringQuery {
        guard value.objectMembers != nil else { throw ParseError(description: "\(source): expected a map with query and metrics") }
        guard let sql = value["query"]?.stringValue, !sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ParseError(description: "\(source): field query is required")
        }
        guard case .array(let entries)? = value["metrics"] else { throw ParseError(description: "\(source): field metrics must be a list") }
        var columns: [MonitoringQuery.Column] = []
        for (position, entry) in entries.enumerated() {
            guard let members = entry.objectMembers, members.count == 1, let (name, spec) = members.first else {
                throw ParseError(description: "\(source): metrics[\(position)] must be a map with one column name")
            }
            columns.append(try column(name: name, spec, source: "\(source): metrics[\(position)] (\(name))"))
        }
        let name = value["name"]?.stringValue
        if let name, !MetricsText.isValidName("cnpg_\(name)") { throw ParseError(description: "\(source): name \(name) is not a valid metric name") }
        for column in columns where !MetricsText.isValidName("cnpg_\(name ?? key)_\(column.metricName ?? column.name)") {
            throw ParseError(description: "\(source): column \(column.name) does not make a valid metric name")
        }
        var targets: [String] = []
        if let list = value["target_databases"] {
            guard case .array(let items) = list else { throw ParseError(description: "\(source): field target_databases must be a list") }
            targets = try items.map { item in
                guard let text = item.stringValue, !text.isEmpty else { throw ParseError(description: "\(source): target_databases entries must be names") }
                return text
            }
        }
        let primary = try flag(value["primary"], field: "primary", source: source) || (try flag(value["master"], field: "master", source: source))
        return MonitoringQuery(
            key: key, query: sql, predicateQuery: value["predicate_query"]?.stringValue, columns: columns,
            primaryOnly: primary, runOnServer: value["runonserver"]?.stringValue, targetDatabases: targets, name: name)
    }

    private static func column(name: String, _ spec: JSONValue, source: String) throws -> MonitoringQuery.Column {
        guard spec.objectMembers != nil else { throw ParseError(description: "\(source): expected a map with usage and description") }
        guard let usageText = spec["usage"]?.stringValue, let usage = MonitoringQuery.Usage(rawValue: usageText.uppercased()) else {
            let allowed = MonitoringQuery.Usage.allCases.map(\.rawValue).joined(separator: ", ")
            throw ParseError(description: "\(source): usage must be one of \(allowed)")
        }
        var mapping: [String: Double] = [:]
        for (text, number) in spec["metric_mapping"]?.objectMembers ?? [] {
            guard let value = number.doubleValue else { throw ParseError(description: "\(source): metric_mapping values must be numbers") }
            mapping[text] = value
        }
        if usage == .mappedMetric, mapping.isEmpty { throw ParseError(description: "\(source): MAPPEDMETRIC needs metric_mapping") }
        return MonitoringQuery.Column(
            name: name, usage: usage, description: spec["description"]?.stringValue ?? "",
            mapping: mapping, metricName: spec["name"]?.stringValue)
    }

    private static func flag(_ value: JSONValue?, field: String, source: String) throws -> Bool {
        switch value {
        case nil, .null?: return false
        case .bool(let flag)?: return flag
        case .string(let text)? where ["true", "false"].contains(text.lowercased()): return text.lowercased() == "true"
        default: throw ParseError(description: "\(source): field \(field) must be true or false")
        }
    }
}
