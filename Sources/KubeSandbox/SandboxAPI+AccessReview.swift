import CNPGCore

/// SelfSubjectAccessReview and SelfSubjectRulesReview (`kubectl auth can-i [--list]`): answered
/// from the same RBAC evaluation as every request, for any authenticated user, never stored.
extension SandboxAPI {
    static let accessReviewResources: Set<String> = ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]

    func review(_ request: APIRequest, resource: ResourceType, user: UserInfo) throws -> APIResponse {
        guard request.method == "POST" else { throw StatusError.methodNotAllowed("only create is allowed on \(resource.plural)") }
        let body = try decodeBody(request)
        let spec = body["spec"] ?? .object([])
        let status: JSONValue
        if resource.plural == "selfsubjectaccessreviews" {
            let attributes: RequestAttributes
            if let resourceAttributes = spec["resourceAttributes"] {
                attributes = RequestAttributes(
                    verb: resourceAttributes["verb"]?.stringValue ?? "", group: resourceAttributes["group"]?.stringValue ?? "",
                    resource: resourceAttributes["resource"]?.stringValue ?? "",
                    subresource: resourceAttributes["subresource"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
                    namespace: resourceAttributes["namespace"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
                    name: resourceAttributes["name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
            } else if let nonResource = spec["nonResourceAttributes"] {
                attributes = RequestAttributes(verb: nonResource["verb"]?.stringValue ?? "", path: nonResource["path"]?.stringValue ?? "/")
            } else {
                throw StatusError(
                    code: 422, reason: "Invalid",
                    message:
                        "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified"
                )
            }
            let decision = RBACAuthorizer.authorize(user, attributes, in: store)
            status = decision.allowed ? .object([("allowed", .bool(true)), ("reason", .string(decision.reason))]) : .object([("allowed", .bool(false))])
        } else {
            let namespace = spec["namespace"]?.stringValue
            let rules =
                user.groups.contains("system:masters")
                ? [
                    JSONValue.object([("verbs", .array([.string("*")])), ("apiGroups", .array([.string("*")])), ("resources", .array([.string("*")]))]),
                    .object([("verbs", .array([.string("*")])), ("nonResourceURLs", .array([.string("*")]))]),
                ]
                : RBACAuthorizer.boundRules(user, namespace: namespace, in: store).map(\.rule)
            let resourceRules = rules.filter { $0["resources"] != nil }.map { rule in
                JSONValue.object(["verbs", "apiGroups", "resources", "resourceNames"].compactMap { key in rule[key].map { (key, $0) } })
            }
            let nonResourceRules = rules.filter { $0["nonResourceURLs"] != nil }.map { rule in
                JSONValue.object(["verbs", "nonResourceURLs"].compactMap { key in rule[key].map { (key, $0) } })
            }
            status = .object([("resourceRules", .array(resourceRules)), ("nonResourceRules", .array(nonResourceRules)), ("incomplete", .bool(false))])
        }
        let answer = body.setting("apiVersion", to: .string(resource.apiVersion)).setting("kind", to: .string(resource.kind))
            .setting("metadata", to: .object([("creationTimestamp", .null)])).setting("status", to: status)
        return .json(status: 201, answer)
    }
}
