import Foundation

/// CNPG's admission webhooks as pure functions: an `AdmissionReview` request in, the review with
/// its response out. The mutating hooks answer with a JSON Patch of the defaults (spec only); the
/// validating hooks deny with a 422 `Invalid` status whose causes name each field.
public enum AdmissionWebhook {
    public enum Action: String, Sendable { case mutate, validate }

    public struct Endpoint: Sendable, Equatable {
        public var action: Action
        /// The singular resource in the path: `cluster`, `backup`, `scheduledbackup`, `pooler`, `database`.
        public var resource: String

        public init(action: Action, resource: String) {
            self.action = action
            self.resource = resource
        }
    }

    /// Every path the webhook configurations point at.
    public static var paths: [String] {
        WebhookConfigurationBuilder.mutating.map { WebhookConfigurationBuilder.path("mutate", resource: $0.resource) }
            + WebhookConfigurationBuilder.validating.map { WebhookConfigurationBuilder.path("validate", resource: $0.resource) }
    }

    /// `/validate-postgresql-cnpg-io-v1-cluster` -> (validate, cluster); nil for any other path.
    public static func endpoint(forPath path: String) -> Endpoint? {
        guard paths.contains(path) else { return nil }
        let parts = path.dropFirst().split(separator: "-")
        guard let verb = parts.first.flatMap({ Action(rawValue: String($0)) }), let resource = parts.last else { return nil }
        return Endpoint(action: verb, resource: String(resource))
    }

    public enum ReviewError: Error, Equatable, CustomStringConvertible {
        case notAnAdmissionReview(String)
        public var description: String {
            switch self {
            case .notAnAdmissionReview(let reason): return "the body is not an admission.k8s.io/v1 AdmissionReview request: \(reason)"
            }
        }
    }

    /// Answers one review. Requests for objects of another kind than the endpoint's are allowed
    /// untouched (the configurations never send them).
    public static func respond(
        to review: JSONValue, at endpoint: Endpoint,
        configuration: OperatorConfiguration = OperatorConfiguration()
    ) throws(ReviewError) -> JSONValue {
        guard review["apiVersion"]?.stringValue == "admission.k8s.io/v1", review["kind"]?.stringValue == "AdmissionReview" else {
            throw .notAnAdmissionReview("apiVersion must be admission.k8s.io/v1 and kind AdmissionReview")
        }
        guard let request = review["request"], let uid = request["uid"]?.stringValue else {
            throw .notAnAdmissionReview("request.uid is required")
        }
        var allowed = true
        var fields: [(String, JSONValue)] = []
        let operation = request["operation"]?.stringValue ?? ""
        if let object = request["object"], object != .null, operation == "CREATE" || operation == "UPDATE",
            (object["kind"]?.stringValue ?? "").lowercased() == endpoint.resource
        {
            let old = operation == "UPDATE" ? request["oldObject"].flatMap { $0 == .null ? nil : $0 } : nil
            if case .reviewed(let report) = Admission.review(object, old: old, configuration: configuration) {
                switch endpoint.action {
                case .mutate:
                    fields = mutation(of: object, report)
                case .validate:
                    allowed = report.errors.isEmpty
                    fields = verdict(report, name: object["metadata"]?["name"]?.stringValue ?? "")
                }
            }
        }
        let response: JSONValue = .object([("uid", .string(uid)), ("allowed", .bool(allowed))] + fields)
        return .object([("apiVersion", .string("admission.k8s.io/v1")), ("kind", .string("AdmissionReview")), ("response", response)])
    }

    /// The defaults as a JSON Patch over `spec` only: metadata and status are not the defaulter's.
    static func mutation(of object: JSONValue, _ report: Admission.Report) -> [(String, JSONValue)] {
        guard let defaulted = report.defaulted?["spec"] else { return [] }
        let operations: [JSONValue]
        if let spec = object["spec"] {
            operations = JSONPatch.operations(from: spec, to: defaulted, at: "/spec")
        } else {
            operations = [.object([("op", .string("add")), ("path", .string("/spec")), ("value", defaulted)])]
        }
        guard !operations.isEmpty else { return [] }
        let patch = JSONText.serialize(.array(operations))
        return [("patchType", .string("JSONPatch")), ("patch", .string(Data(patch.utf8).base64EncodedString()))]
    }

    static func verdict(_ report: Admission.Report, name: String) -> [(String, JSONValue)] {
        var fields: [(String, JSONValue)] = []
        if !report.errors.isEmpty {
            let (message, details) = KubeStatus.invalid(group: CNPG.group, kind: report.kind, name: name, errors: report.errors)
            fields.append(("status", KubeStatus.object(code: 422, reason: "Invalid", message: message, details: details)))
        }
        if !report.warnings.isEmpty { fields.append(("warnings", .array(report.warnings.map(JSONValue.string)))) }
        return fields
    }
}
