import Foundation

/// What `kubectl cnpg report` puts in its archive, apart from reading it: file names, list
/// documents, and Secrets with their values removed.
public enum ReportContent {
    /// `report_cluster_<name>_<YYYYMMDD_HHMMSS>` / `report_operator_<YYYYMMDD_HHMMSS>` (UTC).
    public static func folder(_ kind: String, name: String? = nil, at date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd_HHmmss"
        return (["report", kind] + (name.map { [$0] } ?? []) + [formatter.string(from: date)]).joined(separator: "_")
    }

    /// A `v1/List` of `items`, rendered as yaml or json.
    public static func list(_ items: [JSONValue], format: String) -> [UInt8] {
        document(.object([("apiVersion", .string("v1")), ("kind", .string("List")), ("items", .array(items))]), format: format)
    }

    public static func document(_ object: JSONValue, format: String) -> [UInt8] {
        Array((format == "json" ? JSONText.serialize(object, pretty: true) + "\n" : YAMLWriter.render(object)).utf8)
    }

    /// A Secret with every value of `data` and `stringData` emptied (keys kept, so the report
    /// still shows what is configured), and the last-applied annotation dropped (it holds them too).
    public static func redacted(_ secret: JSONValue) -> JSONValue {
        var result = secret
        for field in ["data", "stringData"] {
            guard let members = secret[field]?.objectMembers else { continue }
            result = result.setting(field, to: .object(members.map { ($0.0, .string("")) }))
        }
        if let annotations = secret["metadata"]?["annotations"]?.objectMembers {
            let kept = annotations.filter { $0.0 != "kubectl.kubernetes.io/last-applied-configuration" }
            result = result.setting("metadata", to: (result["metadata"] ?? .object([])).setting("annotations", to: .object(kept)))
        }
        return result
    }
}
