import CNPGCore
import Foundation

/// Dynamic admission: every write that a Mutating- or ValidatingWebhookConfiguration selects is
/// sent to its webhooks as kube-apiserver does (mutating serially, schema admission again,
/// validating in parallel), with failurePolicy, timeouts and dry-run rules.
extension SandboxAPI {
    func webhookConfigurations() -> (mutating: [JSONValue], validating: [JSONValue]) {
        (store.list(.mutatingWebhookConfigurations, namespace: nil).items, store.list(.validatingWebhookConfigurations, namespace: nil).items)
    }

    /// Whether any webhook rule names this resource (selectors aside): the PATCH path needs to
    /// know before it builds the object.
    func hasWebhooks(for resource: ResourceType, subresource: String?) -> Bool {
        let (mutating, validating) = webhookConfigurations()
        let probe = AdmissionAttributes(
            operation: "UPDATE", resource: resource, subresource: subresource, namespace: nil, name: "",
            object: .null, oldObject: nil, dryRun: false, user: .admin)
        var create = probe
        create.operation = "CREATE"
        return (mutating + validating).contains { configuration in
            guard case .array(let webhooks)? = configuration["webhooks"] else { return false }
            return webhooks.contains { webhook in
                guard case .array(let rules)? = webhook["rules"] else { return false }
                return rules.contains { WebhookMatcher.ruleMatches($0, probe) || WebhookMatcher.ruleMatches($0, create) }
            }
        }
    }

    func admitThroughWebhooks(_ attributes: AdmissionAttributes, warnings: inout [String]) async throws -> JSONValue {
        let (mutating, validating) = webhookConfigurations()
        guard !mutating.isEmpty || !validating.isEmpty else { return attributes.object }
        var namespaceLabels: [String: String]?
        if let namespace = attributes.namespace, let object = try? store.get(.namespaces, namespace: nil, name: namespace) {
            namespaceLabels = WebhookMatcher.labels(of: object)
        }
        let matched = WebhookMatcher.matching(attributes, mutating: mutating, validating: validating, namespaceLabels: namespaceLabels)
        guard !matched.isEmpty else { return attributes.object }
        var current = attributes
        for webhook in matched where webhook.mutating {
            let (object, added) = try await call(webhook, current)
            warnings += added
            if object != current.object, current.subresource == nil {
                current.object = try admitCustomResource(current.resource, object)
            } else {
                current.object = object
            }
        }
        let validatingHooks = matched.filter { !$0.mutating }
        let final = current
        let added = try await withThrowingTaskGroup(of: [String].self) { group in
            for webhook in validatingHooks { group.addTask { try await self.call(webhook, final).warnings } }
            var all: [String] = []
            for try await warnings in group { all += warnings }
            return all
        }
        warnings += added
        return current.object
    }

    /// PATCH with webhooks: patch, admit, then write with the patched version as precondition,
    /// patching again (as kube-apiserver does) when someone wrote in between.
    func patchThroughWebhooks(
        _ resource: ResourceType, _ path: APIPath, name: String, type: PatchType, _ patch: JSONValue,
        dryRun: Bool, user: UserInfo, warnings: inout [String]
    ) async throws -> APIResponse {
        var attempt = 0
        while true {
            attempt += 1
            let current = try? store.get(resource, namespace: path.namespace, name: name)
            var candidate: JSONValue
            if let current {
                candidate = try ObjectStore.applying(patch, type: type, to: current)
            } else if type == .apply {
                candidate = patch
            } else {
                throw StatusError.notFound(resource, name)
            }
            if path.subresource == nil { candidate = try admitCustomResource(resource, candidate) }
            var attemptWarnings: [String] = []
            candidate = try await admitThroughWebhooks(
                AdmissionAttributes(
                    operation: current == nil ? "CREATE" : "UPDATE", resource: resource, subresource: path.subresource,
                    namespace: resource.namespaced ? path.namespace ?? "default" : nil, name: name, object: candidate, oldObject: current,
                    dryRun: dryRun, user: user), warnings: &attemptWarnings)
            let code = current == nil ? 201 : 200
            if dryRun {
                warnings += attemptWarnings
                return .json(status: code, candidate)
            }
            let written: Result<JSONValue, StatusError> =
                current == nil
                ? Result { () throws(StatusError) in try store.create(resource, namespace: path.namespace, candidate) }
                : Result { () throws(StatusError) in try store.update(resource, namespace: path.namespace, name: name, candidate, subresource: path.subresource)
                }
            switch written {
            case .success(let result):
                afterWrite(resource, result)
                warnings += attemptWarnings
                return .json(status: code, result)
            case .failure(let error):
                // A conflict from a concurrent write: patch the new version, unless the client pinned one.
                guard error.code == 409, attempt < 5, patch["metadata"]?["resourceVersion"] == nil else { throw error }
            }
        }
    }

    /// One webhook call; a denial throws the API server's StatusError, a failed call too unless
    /// the failurePolicy is Ignore.
    func call(_ webhook: MatchedWebhook, _ attributes: AdmissionAttributes) async throws -> (object: JSONValue, warnings: [String]) {
        let sideEffects = webhook.webhook["sideEffects"]?.stringValue ?? "Unknown"
        if attributes.dryRun, sideEffects != "None", sideEffects != "NoneOnDryRun" {
            throw StatusError.badRequest("admission webhook \"\(webhook.name)\" does not support dry run")
        }
        let timeout = webhook.timeoutSeconds
        let target: WebhookTarget
        do {
            target = try webhookTarget(webhook.webhook["clientConfig"] ?? .null, timeoutSeconds: timeout)
        } catch {
            if webhook.failurePolicyIgnores { return (attributes.object, []) }
            throw StatusError(
                code: 500, reason: "InternalError",
                message: "Internal error occurred: failed calling webhook \"\(webhook.name)\": failed to call webhook: \(error)")
        }
        let uid = UUID().uuidString.lowercased()
        let review = AdmissionReviewExchange.request(attributes, uid: uid)
        do {
            let (status, body) = try await WebhookTransport.post(target, body: Array(JSONText.serialize(review).utf8), timeout: .seconds(timeout))
            guard status == 200 else { throw WebhookTransport.Failure(description: "the server responded with HTTP status \(status)") }
            let reply = try JSONText.parse(body)
            return try AdmissionReviewExchange.outcome(of: reply, from: webhook, uid: uid, object: attributes.object)
        } catch let denial as StatusError {
            throw denial
        } catch {
            if webhook.failurePolicyIgnores { return (attributes.object, []) }
            throw AdmissionReviewExchange.callFailure(webhook: webhook.name, url: target.displayURL, error)
        }
    }

    /// The address behind `clientConfig`: a URL, or a service resolved (like kube-apiserver's
    /// endpoint routing) to the first ready address of its Endpoints.
    func webhookTarget(_ clientConfig: JSONValue, timeoutSeconds: Int64) throws -> WebhookTarget {
        let anchors = WebhookTransport.trustAnchors(caBundle: clientConfig["caBundle"]?.stringValue)
        if let url = clientConfig["url"]?.stringValue {
            guard let components = URLComponents(string: url), components.scheme == "https", let host = components.host else {
                throw WebhookTransport.Failure(description: "invalid webhook URL \(url)")
            }
            let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            return WebhookTarget(
                host: host, port: components.port ?? 443, serverName: host, path: "\(path)?timeout=\(timeoutSeconds)s",
                trustAnchors: anchors, displayURL: "\(url)?timeout=\(timeoutSeconds)s")
        }
        guard let reference = clientConfig["service"], let namespace = reference["namespace"]?.stringValue,
            let name = reference["name"]?.stringValue
        else {
            throw WebhookTransport.Failure(description: "clientConfig has neither url nor service")
        }
        let port = reference["port"]?.intValue ?? 443
        let path = "\(reference["path"]?.stringValue ?? "/")?timeout=\(timeoutSeconds)s"
        let serverName = "\(name).\(namespace).svc"
        let displayURL = "https://\(serverName):\(port)\(path)"
        guard let service = try? store.get(.services, namespace: namespace, name: name) else {
            throw WebhookTransport.Failure(description: "Post \"\(displayURL)\": service \"\(name)\" not found")
        }
        let servicePort = service["spec"]?["ports"]?.arrayValue?.first { $0["port"] == .int(port) }
        let portName = servicePort?["name"]?.stringValue
        let endpoints = try? store.get(.endpoints, namespace: namespace, name: name)
        for subset in endpoints?["subsets"]?.arrayValue ?? [] {
            guard let ip = subset["addresses"]?.arrayValue?.first?["ip"]?.stringValue,
                let number = subset["ports"]?.arrayValue?.first(where: { $0["name"]?.stringValue == portName })?["port"]?.intValue
            else { continue }
            return WebhookTarget(host: ip, port: Int(number), serverName: serverName, path: path, trustAnchors: anchors, displayURL: displayURL)
        }
        throw WebhookTransport.Failure(description: "Post \"\(displayURL)\": no endpoints available for service \"\(name)\"")
    }
}
