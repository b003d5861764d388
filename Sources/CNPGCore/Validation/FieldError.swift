/// A path to a field, printed the way Kubernetes prints it: `spec.storage.size`, `spec.env[0].name`,
/// `spec.postgresql.parameters[wal_level]`.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    public private(set) var description: String

    public init(_ root: String) { description = root }

    public func child(_ name: String, _ more: String...) -> FieldPath {
        var path = self
        for component in [name] + more {
            path.description += path.description.isEmpty ? component : "." + component
        }
        return path
    }

    public func index(_ i: Int) -> FieldPath {
        var path = self
        path.description += "[\(i)]"
        return path
    }

    public func key(_ k: String) -> FieldPath {
        var path = self
        path.description += "[\(k)]"
        return path
    }
}

/// One validation failure, shaped like Kubernetes' field.Error.
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case required = "Required value"
        case invalid = "Invalid value"
        case forbidden = "Forbidden"
        case duplicate = "Duplicate value"
        case notSupported = "Unsupported value"
        case tooLong = "Too long"
        case typeInvalid = "Invalid type"
    }

    public var path: String
    public var kind: Kind
    /// The offending value, already rendered (never a secret: callers pass names, not contents).
    public var value: String?
    public var detail: String

    public init(_ kind: Kind, _ path: FieldPath, value: String? = nil, _ detail: String) {
        self.path = path.description
        self.kind = kind
        self.value = value
        self.detail = detail
    }

    public static func required(_ path: FieldPath, _ detail: String = "") -> FieldError {
        FieldError(.required, path, detail)
    }

    public static func invalid(_ path: FieldPath, _ value: some CustomStringConvertible, _ detail: String) -> FieldError {
        FieldError(.invalid, path, value: render(value), detail)
    }

    public static func forbidden(_ path: FieldPath, _ detail: String) -> FieldError {
        FieldError(.forbidden, path, detail)
    }

    public static func duplicate(_ path: FieldPath, _ value: some CustomStringConvertible) -> FieldError {
        FieldError(.duplicate, path, value: render(value), "")
    }

    public static func notSupported(_ path: FieldPath, _ value: some CustomStringConvertible, _ supported: [String]) -> FieldError {
        FieldError(.notSupported, path, value: render(value), "supported values: " + supported.map { "\"\($0)\"" }.joined(separator: ", "))
    }

    private static func render(_ value: some CustomStringConvertible) -> String {
        if let string = value as? String { return "\"\(string)\"" }
        return value.description
    }

    public var description: String {
        var text = "\(path): \(kind.rawValue)"
        if let value { text += ": \(value)" }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }
}
