/// The operator's installation, as `kubectl cnpg install generate` prints it: the same content as
/// the Helm chart's defaults (`charts/cloudnative-pg`), with CNPG's object names (`cnpg-manager`,
/// `cnpg-controller-manager`, ...), from the same generators (CRDs, RBAC, webhooks, queries).
public enum OperatorInstallManifests {
    public struct Options: Sendable, Equatable {
        public var namespace = OperatorRBAC.defaultNamespace
        /// 0 keeps the default (1); more than one turns leader election on.
        public var replicas = 0
        /// The one namespace to watch (nil: every namespace).
        public var watchNamespace: String?
        /// `POSTGRES_IMAGE_NAME` in the operator's configuration.
        public var postgresImage: String?
        /// Tolerate and require control-plane nodes.
        public var controlPlane = false
        public init() {}
    }

    public static let deploymentName = "cnpg-controller-manager"
    public static let configMapName = "cnpg-controller-manager-config"
    public static let webhookPort = 9443
    static let selector: [(String, JSONValue)] = [(CNPGLabels.appName, .string("cloudnative-pg"))]

    public static func objects(_ options: Options = Options()) -> [JSONValue] {
        let namespace = options.namespace
        var objects: [JSONValue] = [
            .object([
                ("apiVersion", .string("v1")), ("kind", .string("Namespace")),
                ("metadata", .object([("name", .string(namespace)), ("labels", .object(selector))])),
            ])
        ]
        objects += CRDGenerator.customResourceDefinitions()
        objects.append(
            .object([
                ("apiVersion", .string("v1")), ("kind", .string("ServiceAccount")), ("metadata", metadata(OperatorRBAC.serviceAccountName, namespace)),
            ]))
        objects.append(ObjectCodec.encode(OperatorRBAC.clusterRole()))
        objects.append(ObjectCodec.encode(OperatorRBAC.clusterRoleBinding(namespace: namespace)))
        var settings: [(String, JSONValue)] = []
        if let postgresImage = options.postgresImage { settings.append(("POSTGRES_IMAGE_NAME", .string(postgresImage))) }
        if let watched = options.watchNamespace { settings.append(("WATCH_NAMESPACE", .string(watched))) }
        objects.append(
            .object([
                ("apiVersion", .string("v1")), ("kind", .string("ConfigMap")), ("metadata", metadata(configMapName, namespace)),
                ("data", .object(settings)),
            ]))
        objects.append(
            .object([
                ("apiVersion", .string("v1")), ("kind", .string("ConfigMap")),
                ("metadata", metadata(DefaultMonitoringQueries.configMapName, namespace, extraLabels: [("cnpg.io/reload", .string(""))])),
                ("data", .object([("queries", .string(DefaultMonitoringQueries.yaml))])),
            ]))
        objects.append(
            .object([
                ("apiVersion", .string("v1")), ("kind", .string("Service")), ("metadata", metadata(WebhookPKI.serviceName, namespace)),
                (
                    "spec",
                    .object([
                        (
                            "ports",
                            .array([
                                .object([
                                    ("name", .string("webhook-server")), ("port", .int(443)), ("protocol", .string("TCP")),
                                    ("targetPort", .string("webhook-server")),
                                ])
                            ])
                        ),
                        ("selector", .object(selector)), ("type", .string("ClusterIP")),
                    ])
                ),
            ]))
        objects.append(deployment(options))
        objects += WebhookConfigurationBuilder.configurations(namespace: namespace, caBundlePEM: nil).map { ObjectCodec.encode($0) }
        return objects
    }

    static func metadata(_ name: String, _ namespace: String, extraLabels: [(String, JSONValue)] = []) -> JSONValue {
        .object([("name", .string(name)), ("namespace", .string(namespace)), ("labels", .object(extraLabels + selector))])
    }

    static func deployment(_ options: Options) -> JSONValue {
        let replicas = options.replicas > 0 ? options.replicas : 1
        var arguments: [String] = ["controller"]
        if replicas > 1 { arguments.append("--leader-elect") }
        arguments += ["--webhook-port=\(webhookPort)", "--webhook-bind-address=$(POD_IP)", "--metrics-bind-address=$(POD_IP):8080"]
        if let watched = options.watchNamespace { arguments.append("--namespace=\(watched)") }
        let field = { (name: String, path: String) -> JSONValue in
            .object([("name", .string(name)), ("valueFrom", .object([("fieldRef", .object([("fieldPath", .string(path))]))]))])
        }
        let readyz: JSONValue = .object([("path", .string("/readyz")), ("port", .string("webhook-server")), ("scheme", .string("HTTPS"))])
        let container: JSONValue = .object([
            ("args", .array(arguments.map(JSONValue.string))),
            ("command", .array([.string("/cnpg-operator")])),
            (
                "env",
                .array([
                    field("POD_IP", "status.podIP"), field("POD_NAME", "metadata.name"), field("POD_NAMESPACE", "metadata.namespace"),
                    field("OPERATOR_NAMESPACE", "metadata.namespace"),
                    .object([("name", .string("MONITORING_QUERIES_CONFIGMAP")), ("value", .string(DefaultMonitoringQueries.configMapName))]),
                ])
            ),
            ("envFrom", .array([.object([("configMapRef", .object([("name", .string(configMapName)), ("optional", .bool(true))]))])])),
            ("image", .string(CNPG.defaultOperatorImageName)),
            ("imagePullPolicy", .string("IfNotPresent")),
            ("livenessProbe", .object([("httpGet", readyz), ("initialDelaySeconds", .int(3))])),
            ("name", .string("manager")),
            (
                "ports",
                .array([
                    .object([("containerPort", .int(8080)), ("name", .string("metrics")), ("protocol", .string("TCP"))]),
                    .object([("containerPort", .int(Int64(webhookPort))), ("name", .string("webhook-server")), ("protocol", .string("TCP"))]),
                ])
            ),
            ("readinessProbe", .object([("httpGet", readyz), ("initialDelaySeconds", .int(3))])),
            ("resources", .object([("requests", .object([("cpu", .string("100m")), ("memory", .string("128Mi"))]))])),
            (
                "securityContext",
                .object([
                    ("allowPrivilegeEscalation", .bool(false)), ("capabilities", .object([("drop", .array([.string("ALL")]))])),
                    ("readOnlyRootFilesystem", .bool(true)), ("runAsGroup", .int(10001)), ("runAsUser", .int(10001)),
                ])
            ),
            ("startupProbe", .object([("failureThreshold", .int(6)), ("httpGet", readyz), ("periodSeconds", .int(5))])),
        ])
        var podSpec: [(String, JSONValue)] = [
            ("containers", .array([container])),
            ("securityContext", .object([("runAsNonRoot", .bool(true)), ("seccompProfile", .object([("type", .string("RuntimeDefault"))]))])),
            ("serviceAccountName", .string(OperatorRBAC.serviceAccountName)),
        ]
        if options.controlPlane {
            let key = "node-role.kubernetes.io/control-plane"
            podSpec.append(("tolerations", .array([.object([("effect", .string("NoSchedule")), ("key", .string(key)), ("operator", .string("Exists"))])])))
            podSpec.append(
                (
                    "affinity",
                    .object([
                        (
                            "nodeAffinity",
                            .object([
                                (
                                    "requiredDuringSchedulingIgnoredDuringExecution",
                                    .object([
                                        (
                                            "nodeSelectorTerms",
                                            .array([
                                                .object([("matchExpressions", .array([.object([("key", .string(key)), ("operator", .string("Exists"))])]))])
                                            ])
                                        )
                                    ])
                                )
                            ])
                        )
                    ])
                ))
        }
        return .object([
            ("apiVersion", .string("apps/v1")), ("kind", .string("Deployment")), ("metadata", metadata(deploymentName, options.namespace)),
            (
                "spec",
                .object([
                    ("replicas", .int(Int64(replicas))), ("selector", .object([("matchLabels", .object(selector))])),
                    ("template", .object([("metadata", .object([("labels", .object(selector))])), ("spec", .object(podSpec))])),
                ])
            ),
        ])
    }
}
