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
                Webhook(name: entry.webhook,
                        clientConfig: WebhookClientConfig(service: ServiceReference(namespace: namespace, name: WebhookPKI.serviceName,
                                                                                   path: path(verb, resource: entry.resource), port: 443),
                                                          caBundle: bundle),
                        rules: [RuleWithOperations(operations: ["CREATE", "UPDATE"], apiGroups: [CNPG.group], apiVersions: [CNPG.version],
                                                   resources: [entry.resource])],
                        failurePolicy: "Fail", sideEffects: "None", admissionReviewVersions: ["v1"])
            }
        }
        let suffix = nameSuffix ? "-\(namespace)" : ""
        let labels = [CNPGLabels.appName: "cloudnative-pg"]
        return [
            WebhookConfiguration(kind: "MutatingWebhookConfiguration", metadata: ObjectMeta(name: mutatingName + suffix, labels: labels),
                                 webhooks: webhooks(mutating, verb: "mutate")),
            WebhookConfiguration(kind: "ValidatingWebhookConfiguration", metadata: ObjectMeta(name: validatingName + suffix, labels: labels),
                                 webhooks: webhooks(validating, verb: "validate")),
        ]
    }
}
