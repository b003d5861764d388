import CNPGCore
import Foundation

/// The AdmissionReview v1 a webhook receives, and what its answer does to the request, as
/// kube-apiserver builds and reads them.
enum AdmissionReviewExchange {
    static func request(_ attributes: AdmissionAttributes, uid: String) -> JSONValue {
        let resource = attributes.resource
        let kind: JSONValue = .object([("group", .string(resource.group)), ("version", .string(resource.version)), ("kind", .string(resource.kind))])
        let gvr: JSONValue = .object([("group", .string(resource.group)), ("version", .string(resource.version)), ("resource", .string(resource.plural))])
        var request: [(String, JSONValue)] = [
            ("uid", .string(uid)), ("kind", kind), ("resource", gvr), ("requestKind", kind), ("requestResource", gvr),
        ]
        if let subresource = attributes.subresource {
            request += [("subResource", .string(subresource)), ("requestSubResource", .string(subresource))]
        }
        request += [
            ("name", .string(attributes.name)),
            ("namespace", attributes.namespace.map(JSONValue.string) ?? .null),
            ("operation", .string(attributes.operation)),
            ("userInfo", .object([("username", .string(attributes.user.name)), ("groups", .array(attributes.user.groups.map(JSONValue.string)))])),
            ("object", attributes.object),
            ("oldObject", attributes.oldObject ?? .null),
            ("dryRun", .bool(attributes.dryRun)),
            (
                "options",
                .object([
                    ("kind", .string(attributes.operation == "CREATE" ? "CreateOptions" : "UpdateOptions")),
                    ("apiVersion", .string("meta.k8s.io/v1")),
                ])
            ),
        ]
        return .object([("apiVersion", .string("admission.k8s.io/v1")), ("kind", .string("AdmissionReview")), ("request", .object(request))])
    }

    /// A reply that is not a usable review: treated like an unreachable webhook (failurePolicy decides).
    struct MalformedReply: Error, CustomStringConvertible {
        let description: String
    }

    /// The object after this webhook (patched when a mutating webhook sent a JSON Patch) and its
    /// warnings; a denial becomes the StatusError the API server returns.
    static func outcome(
        of reply: JSONValue, from webhook: MatchedWebhook, uid: String,
        object: JSONValue
    ) throws -> (object: JSONValue, warnings: [String]) {
        guard reply["apiVersion"]?.stringValue == "admission.k8s.io/v1", reply["kind"]?.stringValue == "AdmissionReview",
            let response = reply["response"]
        else {
            throw MalformedReply(description: "expected an admission.k8s.io/v1 AdmissionReview with a response")
        }
        guard response["uid"]?.stringValue == uid else {
            throw MalformedReply(description: "expected response.uid=\"\(uid)\", got \"\(response["uid"]?.stringValue ?? "")\"")
        }
        var warnings: [String] = []
        if case .array(let values)? = response["warnings"] { warnings = values.compactMap(\.stringValue) }
        guard response["allowed"] == .bool(true) else { throw denial(response["status"], webhook: webhook.name) }
        guard let encoded = response["patch"]?.stringValue, !encoded.isEmpty else { return (object, warnings) }
        guard webhook.mutating else { throw MalformedReply(description: "validating webhook may not return a patch") }
        guard response["patchType"]?.stringValue == "JSONPatch" else {
            throw MalformedReply(description: "unsupported patch type \"\(response["patchType"]?.stringValue ?? "")\"")
        }
        guard let bytes = Data(base64Encoded: encoded), let patch = try? JSONText.parse(Array(bytes)) else {
            throw MalformedReply(description: "the patch is not base64-encoded JSON")
        }
        do {
            return (try JSONPatch.apply(patch, to: object), warnings)
        } catch {
            throw MalformedReply(description: "the patch does not apply: \(error)")
        }
    }

    /// `admission webhook "<name>" denied the request: <message>`, with the webhook's code (at least 400).
    static func denial(_ status: JSONValue?, webhook: String) -> StatusError {
        let deniedBy = "admission webhook \"\(webhook)\" denied the request"
        var code = 400
        if case .int(let value)? = status?["code"], value >= 400 { code = Int(value) }
        let message: String
        if let text = status?["message"]?.stringValue, !text.isEmpty {
            message = "\(deniedBy): \(text)"
        } else if let reason = status?["reason"]?.stringValue, !reason.isEmpty {
            message = "\(deniedBy): \(reason)"
        } else {
            message = "\(deniedBy) without explanation"
        }
        return StatusError(code: code, reason: status?["reason"]?.stringValue ?? "", message: message, details: status?["details"])
    }

    /// `failed calling webhook "<name>": failed to call webhook: Post "<url>": <error>` (500).
    static func callFailure(webhook: String, url: String, _ error: any Error) -> StatusError {
        StatusError(
            code: 500, reason: "InternalError",
            message: "Internal error occurred: failed calling webhook \"\(webhook)\": failed to call webhook: Post \"\(url)\": \(error)")
    }
}
