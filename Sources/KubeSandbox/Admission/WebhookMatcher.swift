import CNPGCore

/// One write as admission sees it.
struct AdmissionAttributes: Sendable {
    var operation: String
    var resource: ResourceType
    var subresource: String?
    var namespace: String?
    var name: String
    var object: JSONValue
    var oldObject: JSONValue?
    var dryRun: Bool
    var user: UserInfo
}

/// A webhook picked for a request, with where to reach it.
struct MatchedWebhook: Sendable {
    var name: String
    var mutating: Bool
    var webhook: JSONValue
    var failurePolicyIgnores: Bool { webhook["failurePolicy"]?.stringValue == "Ignore" }
    var timeoutSeconds: Int64 {
        if case .int(let seconds)? = webhook["timeoutSeconds"], (1...30).contains(seconds) { return seconds }
        return 10
    }
}

/// Which admission webhooks a request goes through, as kube-apiserver decides: configurations in
/// name order, webhooks in their listed order, rules on operation, group, version, resource
/// (with subresource) and scope, then the namespace and object selectors.
enum WebhookMatcher {
    static func matching(
        _ attributes: AdmissionAttributes, mutating: [JSONValue], validating: [JSONValue],
        namespaceLabels: [String: String]?
    ) -> [MatchedWebhook] {
        // Webhook configurations are never sent to webhooks.
        guard attributes.resource.group != "admissionregistration.k8s.io" else { return [] }
        func picks(_ configurations: [JSONValue], mutating: Bool) -> [MatchedWebhook] {
            let ordered = configurations.sorted { ($0["metadata"]?["name"]?.stringValue ?? "") < ($1["metadata"]?["name"]?.stringValue ?? "") }
            return ordered.flatMap { configuration -> [MatchedWebhook] in
                guard case .array(let webhooks)? = configuration["webhooks"] else { return [] }
                return webhooks.filter { matches($0, attributes, namespaceLabels: namespaceLabels) }
                    .map { MatchedWebhook(name: $0["name"]?.stringValue ?? "", mutating: mutating, webhook: $0) }
            }
        }
        return picks(mutating, mutating: true) + picks(validating, mutating: false)
    }

    static func matches(_ webhook: JSONValue, _ attributes: AdmissionAttributes, namespaceLabels: [String: String]?) -> Bool {
        guard case .array(let rules)? = webhook["rules"], rules.contains(where: { ruleMatches($0, attributes) }) else { return false }
        if attributes.resource.namespaced, let namespaceSelector = webhook["namespaceSelector"],
            !selector(namespaceSelector).matches(labels: namespaceLabels ?? [:])
        {
            return false
        }
        if let objectSelector = webhook["objectSelector"] {
            let expression = selector(objectSelector)
            let candidates = [attributes.object, attributes.oldObject].compactMap { $0 }
            guard candidates.contains(where: { expression.matches(labels: labels(of: $0)) }) else { return false }
        }
        return true
    }

    static func ruleMatches(_ rule: JSONValue, _ attributes: AdmissionAttributes) -> Bool {
        func listed(_ key: String, _ value: String) -> Bool {
            guard case .array(let values)? = rule[key] else { return false }
            return values.contains { $0.stringValue == "*" || $0.stringValue == value }
        }
        let resource = attributes.resource
        let requested = attributes.subresource.map { "\(resource.plural)/\($0)" } ?? resource.plural
        let resourceListed: Bool = {
            guard case .array(let values)? = rule["resources"] else { return false }
            return values.compactMap(\.stringValue).contains { pattern in
                if pattern == "*/*" || pattern == requested { return true }
                if pattern == "*" { return attributes.subresource == nil }
                if pattern.hasPrefix("*/") { return attributes.subresource == String(pattern.dropFirst(2)) }
                if pattern.hasSuffix("/*") { return attributes.subresource != nil && resource.plural == String(pattern.dropLast(2)) }
                return false
            }
        }()
        let scope = rule["scope"]?.stringValue ?? "*"
        let scopeMatches = scope == "*" || (scope == "Namespaced") == resource.namespaced
        return listed("operations", attributes.operation) && listed("apiGroups", resource.group)
            && listed("apiVersions", resource.version) && resourceListed && scopeMatches
    }

    static func selector(_ json: JSONValue) -> SelectorExpression {
        guard let selector = try? ObjectCodec.decode(LabelSelector.self, from: json) else { return SelectorExpression() }
        return SelectorExpression(selector)
    }

    static func labels(of object: JSONValue) -> [String: String] { object["metadata"]?["labels"]?.stringMap ?? [:] }
}
