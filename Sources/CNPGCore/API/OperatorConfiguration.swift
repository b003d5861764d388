/// The operator settings that influence defaulting and generated objects (CNPG reads them from its
/// environment and from the `cnpg-controller-manager-config` ConfigMap/Secret; keys are the env names).
public struct OperatorConfiguration: Sendable, Equatable {
    public var postgresImageName = CNPG.defaultImageName
    public var operatorImageName = CNPG.defaultOperatorImageName
    public var monitoringQueriesConfigMap: String? = "cnpg-default-monitoring"
    public var monitoringQueriesSecret: String?
    public var includePlugins: [String] = []
    public var createAnyService = false
    public var kubernetesClusterDomain = "cluster.local"
    public var certificateDurationDays = 90
    public var expiringCheckThresholdDays = 7
    /// False leaves `caBundle` in the webhook configurations to someone else (cert-manager, OLM).
    public var manageWebhookConfigurations = true
    /// Webhook configuration names end with `-<operator namespace>` (several operators per cluster).
    public var webhookNamespaceSuffix = false

    public init() {}

    /// Reads the settings from `KEY=value` pairs (environment or ConfigMap data); unknown keys are ignored.
    public init(settings: [String: String]) {
        self.init()
        if let value = settings["POSTGRES_IMAGE_NAME"], !value.isEmpty { postgresImageName = value }
        if let value = settings["OPERATOR_IMAGE_NAME"], !value.isEmpty { operatorImageName = value }
        if let value = settings["MONITORING_QUERIES_CONFIGMAP"] { monitoringQueriesConfigMap = value.isEmpty ? nil : value }
        if let value = settings["MONITORING_QUERIES_SECRET"] { monitoringQueriesSecret = value.isEmpty ? nil : value }
        if let value = settings["INCLUDE_PLUGINS"] {
            includePlugins = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let value = settings["CREATE_ANY_SERVICE"] { createAnyService = value.lowercased() == "true" }
        if let value = settings["KUBERNETES_CLUSTER_DOMAIN"], !value.isEmpty { kubernetesClusterDomain = value }
        if let value = settings["CERTIFICATE_DURATION"], let days = Int(value), days > 0 { certificateDurationDays = days }
        if let value = settings["EXPIRING_CHECK_THRESHOLD"], let days = Int(value), days > 0 { expiringCheckThresholdDays = days }
        if let value = settings["MANAGE_WEBHOOK_CONFIGURATIONS"] { manageWebhookConfigurations = value.lowercased() != "false" }
        if let value = settings["ENABLE_WEBHOOK_NAMESPACE_SUFFIX"] { webhookNamespaceSuffix = value.lowercased() == "true" }
    }
}

import Foundation
