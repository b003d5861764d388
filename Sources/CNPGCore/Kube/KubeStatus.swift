/// The `Status` object Kubernetes answers errors with, built the way apimachinery builds it.
public enum KubeStatus {
    public static func object(code: Int, reason: String, message: String, details: JSONValue? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("kind", .string("Status")), ("apiVersion", .string("v1")), ("metadata", .object([])),
            ("status", .string("Failure")), ("message", .string(message)), ("reason", .string(reason)),
        ]
        if let details { members.append(("details", details)) }
        members.append(("code", .int(Int64(code))))
        return .object(members)
    }

    /// 422 Invalid: `Cluster.postgresql.cnpg.io "pg" is invalid: spec.instances: Invalid value: 0: ...`,
    /// with one cause per field error so kubectl prints them field by field.
    public static func invalid(group: String, kind: String, name: String, errors: [FieldError]) -> (message: String, details: JSONValue) {
        let causes: [JSONValue] = errors.map { error in
            .object([
                ("reason", .string(causeType(error.kind))),
                ("message", .string(String(error.description.dropFirst(error.path.count + 2)))), ("field", .string(error.path)),
            ])
        }
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        let listed = errors.map(\.description)
        let summary = listed.count == 1 ? listed[0] : "[" + listed.joined(separator: ", ") + "]"
        let details: JSONValue = .object([
            ("name", .string(name)), ("group", .string(group)), ("kind", .string(kind)),
            ("causes", .array(causes)),
        ])
        return ("\(qualifiedKind) \"\(name)\" is invalid: \(summary)", details)
    }

    /// apimachinery's `CauseType` for a field error.
    static func causeType(_ kind: FieldError.Kind) -> String {
        switch kind {
        case .required: return "FieldValueRequired"
        case .invalid: return "FieldValueInvalid"
        case .forbidden: return "FieldValueForbidden"
        case .duplicate: return "FieldValueDuplicate"
        case .notSupported: return "FieldValueNotSupported"
        case .tooLong: return "FieldValueTooLong"
        case .typeInvalid: return "FieldValueTypeInvalid"
        }
    }
}
