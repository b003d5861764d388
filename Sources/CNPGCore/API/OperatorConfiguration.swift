import Foundation

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
    /// `CERTIFICATE_DURATION`: days as CNPG (`90`), or a duration with a unit (`120s`, `5m`, `2h`, `3d`) for tests.
    public var certificateDuration: TimeInterval = 90 * 86_400
    /// `EXPIRING_CHECK_THRESHOLD`: days as CNPG (`7`), or a duration with a unit; less than the duration.
    public var expiringCheckThreshold: TimeInterval = 7 * 86_400
    /// False leaves `caBundle` in the webhook configurations to someone else (cert-manager, OLM).
    public var manageWebhookConfigurations = true
    /// `MANAGE_NETWORK_POLICIES`: every Cluster gets the NetworkPolicy `<cluster>` (not in CNPG;
    /// the Cluster annotation `cnpg.io/networkPolicy: managed|unmanaged` overrides it). Needs the
    /// networkpolicies rules in the operator's ClusterRole (the chart's `networkPolicies.managed`).
    public var manageNetworkPolicies = false
    /// Webhook configuration names end with `-<operator namespace>` (several operators per cluster).
    public var webhookNamespaceSuffix = false
    /// `ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES`: instances whose manager differs from the operator's
    /// get the new binary over `PUT /update` and re-execute it, PostgreSQL left running.
    public var instanceManagerInplaceUpdates = false
    /// `INSTANCE_MANAGER_BINARY` (not in CNPG, whose image has it at `/manager`): the instance
    /// manager the operator publishes in `status.availableArchitectures` and sends in online upgrades.
    public var instanceManagerBinary = "/manager"
    /// `CLUSTERS_ROLLOUT_DELAY` / `INSTANCES_ROLLOUT_DELAY` (seconds, default 0): the time between
    /// two rolling-update restarts in different clusters / in the same cluster.
    public var clustersRolloutDelay: TimeInterval = 0
    public var instancesRolloutDelay: TimeInterval = 0
    /// Settings present but unusable, one message each naming the setting (the operator refuses to start).
    public var invalidSettings: [String] = []

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
        for (key, assign) in [
            ("CERTIFICATE_DURATION", { (value: TimeInterval, into: inout Self) in into.certificateDuration = value }),
            ("EXPIRING_CHECK_THRESHOLD", { (value: TimeInterval, into: inout Self) in into.expiringCheckThreshold = value }),
        ] {
            guard let text = settings[key], !text.isEmpty else { continue }
            if let value = Self.duration(text) {
                assign(value, &self)
            } else {
                invalidSettings.append("\(key): \"\(text)\" is neither a positive number of days nor a duration such as 90s, 5m, 2h or 3d")
            }
        }
        if expiringCheckThreshold >= certificateDuration {
            invalidSettings.append(
                "EXPIRING_CHECK_THRESHOLD (\(Int(expiringCheckThreshold)) s) must be shorter than CERTIFICATE_DURATION (\(Int(certificateDuration)) s)")
        }
        if let value = settings["MANAGE_WEBHOOK_CONFIGURATIONS"] { manageWebhookConfigurations = value.lowercased() != "false" }
        if let value = settings["MANAGE_NETWORK_POLICIES"] { manageNetworkPolicies = value.lowercased() == "true" }
        if let value = settings["ENABLE_WEBHOOK_NAMESPACE_SUFFIX"] { webhookNamespaceSuffix = value.lowercased() == "true" }
        for (key, assign) in [
            ("CLUSTERS_ROLLOUT_DELAY", { (value: TimeInterval, into: inout Self) in into.clustersRolloutDelay = value }),
            ("INSTANCES_ROLLOUT_DELAY", { (value: TimeInterval, into: inout Self) in into.instancesRolloutDelay = value }),
        ] {
            guard let text = settings[key]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { continue }
            if let seconds = Int(text), seconds >= 0 {
                assign(TimeInterval(seconds), &self)
            } else {
                invalidSettings.append("\(key): \"\(text)\" is not a whole number of seconds")
            }
        }
        if let value = settings["ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES"] { instanceManagerInplaceUpdates = value.lowercased() == "true" }
        if let value = settings["INSTANCE_MANAGER_BINARY"], !value.isEmpty { instanceManagerBinary = value }
    }
}

extension OperatorConfiguration {
    /// A positive whole number of days (CNPG's form), or of seconds, minutes, hours or days with a
    /// unit suffix (`s`, `m`, `h`, `d`); nil otherwise.
    public static func duration(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        var digits = Substring(trimmed)
        var unit: TimeInterval = 86_400
        if let last = trimmed.last, let scale = units[last] {
            digits = digits.dropLast()
            unit = scale
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let count = Int(digits), count > 0 else { return nil }
        return TimeInterval(count) * unit
    }
}
