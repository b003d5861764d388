import Foundation

/// The operator's mutating and validating webhook configurations (names, paths and rules as CNPG).
public enum WebhookConfigurationBuilder {
    public static let mutatingName = "cnpg-mutating-webhook-configuration"
    public static let validatingName = "cnpg-validating-webhook-configuration"

    static let mutating: [(webhook: String, resource: String)] = [
        ("mbackup.cnpg.io", "backups"), ("mcluster.cnpg.io", "clusters"), ("mdatabase.cnpg.io", "databases"),
        ("mscheduledbackup.cnpg.io", "scheduledbackups"),
    ]
    static let validating: [(webhook: String, resource: String)] = [
        ("vbackup.cnpg.io", "backups"), ("vcluster.cnpg.io", "clusters"), ("vdatabase.cnpg.io", "databases"),
        ("vpooler.cnpg.io", "poolers"), ("vscheduledbackup.cnpg.io", "scheduledbackups"),
    ]

    /// The singular kind in a webhook path: `/mutate-postgresql-cnpg-io-v1-cluster`.
    static func path(_ verb: String, resource: String) -> String {
        "/\(verb)-postgresql-cnpg-io-v1-\(String(resource.dropLast()))"
    }

    public static func configurations(namespace: String, caBundlePEM: String?, nameSuffix: Bool = false) -> [WebhookConfiguration] {
        let bundle = caBundlePEM.map { Data($0.utf8).base64EncodedString() }
        func webhooks(_ entries: [(webhook: String, resource: String)], verb: String) -> [Webhook] {
            entries.map { entry in
                Webhook(
                    name: entry.webhook,
                    clientConfig: WebhookClientConfig(
                        service: ServiceReference(
                            namespace: namespace, name: WebhookPKI.serviceName,
                            path: path(verb, resource: entry.resource), port: 443),
                        caBundle: bundle),
                    rules: [
                        RuleWithOperations(
                            operations: ["CREATE", "UPDATE"], apiGroups: [CNPG.group], apiVersions: [CNPG.version],
                            resources: [entry.resource])
                    ],
                    failurePolicy: "Fail", sideEffects: "None", admissionReviewVersions: ["v1"])
            }
        }
        let suffix = nameSuffix ? "-\(namespace)" : ""
        let labels = [CNPGLabels.appName: "cloudnative-pg"]
        return [
            WebhookConfiguration(
                kind: "MutatingWebhookConfiguration", metadata: ObjectMeta(name: mutatingName + suffix, labels: labels),
                webhooks: webhooks(mutating, verb: "mutate")),
            WebhookConfiguration(
                kind: "ValidatingWebhookConfiguration", metadata: ObjectMeta(name: validatingName + suffix, labels: labels),
                webhooks: webhooks(validating, verb: "validate")),
        ]
    }
}

extension WebhookConfigurationBuilder {
    /// The configuration with every webhook's `clientConfig.caBundle` set to `pem`, or nil when
    /// it already is (CNPG patches only on change).
    public static func injectingCABundle(_ configuration: JSONValue, pem: String) -> JSONValue? {
        guard case .array(let webhooks)? = configuration["webhooks"] else { return nil }
        let bundle = JSONValue.string(Data(pem.utf8).base64EncodedString())
        let injected: [JSONValue] = webhooks.map { webhook in
            webhook.setting("clientConfig", to: (webhook["clientConfig"] ?? .object([])).setting("caBundle", to: bundle))
        }
        return injected == webhooks ? nil : configuration.setting("webhooks", to: .array(injected))
    }
}

extension WebhookConfigurationBuilder {
    public static let webhookPort: Int64 = 9443

    /// `cnpg-webhook-service` (443 -> 9443) selecting the operator pods as CNPG's install does; with
    /// `localAddress` (an operator running outside the cluster) a selector-less Service plus the
    /// Endpoints that point at that address instead.
    public static func service(namespace: String, localAddress: (host: String, port: Int64)? = nil) -> [JSONValue] {
        let metadata: JSONValue = .object([("name", .string(WebhookPKI.serviceName)), ("namespace", .string(namespace))])
        var spec: [(String, JSONValue)] = [
            (
                "ports",
                .array([
                    .object([
                        ("port", .int(443)), ("targetPort", .int(localAddress?.port ?? webhookPort)), ("protocol", .string("TCP")),
                    ])
                ])
            )
        ]
        if localAddress == nil { spec.append(("selector", .object([(CNPGLabels.appName, .string("cloudnative-pg"))]))) }
        let service: JSONValue = .object([("apiVersion", .string("v1")), ("kind", .string("Service")), ("metadata", metadata), ("spec", .object(spec))])
        guard let localAddress else { return [service] }
        let endpoints: JSONValue = .object([
            ("apiVersion", .string("v1")), ("kind", .string("Endpoints")), ("metadata", metadata),
            (
                "subsets",
                .array([
                    .object([
                        ("addresses", .array([.object([("ip", .string(localAddress.host))])])),
                        ("ports", .array([.object([("port", .int(localAddress.port)), ("protocol", .string("TCP"))])])),
                    ])
                ])
            ),
        ])
        return [service, endpoints]
    }
}
