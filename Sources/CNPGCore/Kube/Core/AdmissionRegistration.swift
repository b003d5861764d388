/// admissionregistration.k8s.io/v1 webhook configurations.
public struct WebhookConfiguration: Codable, Sendable, Equatable {
    public var apiVersion = "admissionregistration.k8s.io/v1"
    /// `MutatingWebhookConfiguration` or `ValidatingWebhookConfiguration`.
    public var kind: String
    public var metadata: ObjectMeta
    public var webhooks: [Webhook]?
    public init(kind: String, metadata: ObjectMeta, webhooks: [Webhook]) {
        self.kind = kind
        self.metadata = metadata
        self.webhooks = webhooks
    }
}

public struct Webhook: Codable, Sendable, Equatable {
    public var name: String
    public var clientConfig: WebhookClientConfig
    public var rules: [RuleWithOperations]?
    public var failurePolicy: String?
    public var matchPolicy: String?
    public var namespaceSelector: LabelSelector?
    public var objectSelector: LabelSelector?
    public var sideEffects: String
    public var timeoutSeconds: Int32?
    public var admissionReviewVersions: [String]
    public var reinvocationPolicy: String?
    public init(
        name: String, clientConfig: WebhookClientConfig, rules: [RuleWithOperations], failurePolicy: String, sideEffects: String,
        admissionReviewVersions: [String]
    ) {
        self.name = name
        self.clientConfig = clientConfig
        self.rules = rules
        self.failurePolicy = failurePolicy
        self.sideEffects = sideEffects
        self.admissionReviewVersions = admissionReviewVersions
    }
}

public struct WebhookClientConfig: Codable, Sendable, Equatable {
    public var url: String?
    public var service: ServiceReference?
    /// Base64 of the PEM bundle the API server trusts for this webhook.
    public var caBundle: String?
    public init(service: ServiceReference?, caBundle: String?) {
        self.service = service
        self.caBundle = caBundle
    }
}

public struct ServiceReference: Codable, Sendable, Equatable {
    public var namespace: String
    public var name: String
    public var path: String?
    public var port: Int32?
    public init(namespace: String, name: String, path: String?, port: Int32?) {
        self.namespace = namespace
        self.name = name
        self.path = path
        self.port = port
    }
}

public struct RuleWithOperations: Codable, Sendable, Equatable {
    public var operations: [String]?
    public var apiGroups: [String]?
    public var apiVersions: [String]?
    public var resources: [String]?
    public var scope: String?
    public init(operations: [String], apiGroups: [String], apiVersions: [String], resources: [String]) {
        self.operations = operations
        self.apiGroups = apiGroups
        self.apiVersions = apiVersions
        self.resources = resources
    }
}
