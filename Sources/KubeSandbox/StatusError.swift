import CNPGCore

/// A failed API request, answered as a Kubernetes `Status` object.
public struct StatusError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: Int
    public var reason: String
    public var message: String
    public var details: JSONValue?

    public var description: String { "\(code) \(reason): \(message)" }

    public static func notFound(_ resource: ResourceType, _ name: String) -> StatusError {
        StatusError(
            code: 404, reason: "NotFound", message: "\(resource.groupResource) \"\(name)\" not found",
            details: detailsObject(resource, name))
    }

    public static func alreadyExists(_ resource: ResourceType, _ name: String) -> StatusError {
        StatusError(
            code: 409, reason: "AlreadyExists", message: "\(resource.groupResource) \"\(name)\" already exists",
            details: detailsObject(resource, name))
    }

    public static func conflict(_ resource: ResourceType, _ name: String) -> StatusError {
        StatusError(
            code: 409, reason: "Conflict",
            message:
                "Operation cannot be fulfilled on \(resource.groupResource) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
            details: detailsObject(resource, name))
    }

    public static func invalid(_ resource: ResourceType, _ name: String, _ errors: [FieldError]) -> StatusError {
        let (message, details) = KubeStatus.invalid(group: resource.group, kind: resource.kind, name: name, errors: errors)
        return StatusError(code: 422, reason: "Invalid", message: message, details: details)
    }

    /// 403 in Kubernetes' words: `configmaps "x" is forbidden: User "u" cannot get resource "configmaps" in API group "" in the namespace "ns"`.
    public static func forbidden(_ user: UserInfo, _ attributes: RequestAttributes) -> StatusError {
        let resource = attributes.subresource.map { "\(attributes.resource)/\($0)" } ?? attributes.resource
        let subject = attributes.name.map { "\(attributes.resource) \"\($0)\"" } ?? attributes.resource
        let scope = attributes.namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        return StatusError(
            code: 403, reason: "Forbidden",
            message:
                "\(subject) is forbidden: User \"\(user.name)\" cannot \(attributes.verb) resource \"\(resource)\" in API group \"\(attributes.group)\" \(scope)",
            details: .object([("name", .string(attributes.name ?? "")), ("group", .string(attributes.group)), ("kind", .string(attributes.resource))]))
    }

    public static func badRequest(_ message: String) -> StatusError {
        StatusError(code: 400, reason: "BadRequest", message: message)
    }

    public static func gone(_ message: String) -> StatusError {
        StatusError(code: 410, reason: "Expired", message: message)
    }

    public static func methodNotAllowed(_ message: String) -> StatusError {
        StatusError(code: 405, reason: "MethodNotAllowed", message: message)
    }

    static func detailsObject(_ resource: ResourceType, _ name: String) -> JSONValue {
        .object([("name", .string(name)), ("group", .string(resource.group)), ("kind", .string(resource.plural))])
    }

    /// The `Status` object the API server returns.
    public var status: JSONValue { KubeStatus.object(code: code, reason: reason, message: message, details: details) }
}
