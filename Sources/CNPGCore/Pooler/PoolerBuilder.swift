import Foundation

/// What the operator creates for a Pooler (CNPG §8.11): a Deployment of PgBouncer pods run by the
/// instance manager (`pgbouncer run`), its Service, and a ServiceAccount with a Role that reads
/// only that Pooler and the Secrets it uses. Every object is owned by the Pooler.
public enum PoolerBuilder {
    public static let defaultImage = "ghcr.io/cloudnative-pg/pgbouncer:1.25.1"
    public static let metricsPort: Int32 = 9127
    /// PgBouncer images run as uid 998, gid 996.
    public static let userID: Int64 = 998
    public static let groupID: Int64 = 996
    public static let containerName = "pgbouncer"

    public static func image(for pooler: Pooler) -> String {
        let given = pooler.spec.pgbouncer?.image ?? ""
        return given.isEmpty ? defaultImage : given
    }

    public static func serviceAccountName(for pooler: Pooler) -> String {
        let given = pooler.spec.serviceAccountName ?? ""
        return given.isEmpty ? (pooler.metadata.name ?? "") : given
    }

    public static func labels(for pooler: Pooler) -> [String: String] {
        [
            CNPGLabels.cluster: pooler.spec.cluster.name, CNPGLabels.poolerName: pooler.metadata.name ?? "", CNPGLabels.podRole: "pooler",
            CNPGLabels.appName: CNPGLabels.appNameValue, CNPGLabels.appInstance: pooler.spec.cluster.name, CNPGLabels.appComponent: "pooler",
            CNPGLabels.managedBy: CNPGLabels.managedByValue,
        ]
    }

    static func metadata(for pooler: Pooler, name: String? = nil, annotations: [String: String] = [:]) -> ObjectMeta {
        var metadata = ObjectMeta(
            name: name ?? pooler.metadata.name, namespace: pooler.metadata.namespace, labels: labels(for: pooler),
            annotations: annotations.isEmpty ? nil : annotations)
        if let uid = pooler.metadata.uid {
            metadata.ownerReferences = [
                OwnerReference(
                    apiVersion: CNPG.apiVersion, kind: "Pooler", name: pooler.metadata.name ?? "", uid: uid,
                    controller: true, blockOwnerDeletion: true)
            ]
        }
        return metadata
    }

    public static func podSpec(for pooler: Pooler, configuration: OperatorConfiguration) -> PodSpec {
        let name = pooler.metadata.name ?? ""
        var spec = PodSpec()
        spec.serviceAccountName = serviceAccountName(for: pooler)
        spec.automountServiceAccountToken = false
        var security = PodSecurityContext()
        security.runAsNonRoot = true
        security.runAsUser = userID
        security.runAsGroup = groupID
        security.fsGroup = groupID
        security.seccompProfile = .runtimeDefault
        spec.securityContext = security
        var scratch = Volume(name: "scratch-data")
        scratch.emptyDir = EmptyDirVolumeSource()
        spec.volumes = [scratch, InstanceVolumes.serviceAccountTokenVolume()]
        let mounts = [
            VolumeMount(name: "scratch-data", mountPath: PgBouncerConfiguration.Paths.root),
            VolumeMount(name: "kube-api-access", mountPath: InstanceVolumes.serviceAccountMount, readOnly: true),
        ]
        var containerSecurity = SecurityContext()
        containerSecurity.allowPrivilegeEscalation = false
        containerSecurity.capabilities = Capabilities(drop: ["ALL"])
        containerSecurity.privileged = false
        containerSecurity.readOnlyRootFilesystem = true
        containerSecurity.runAsNonRoot = true
        containerSecurity.seccompProfile = .runtimeDefault

        var bootstrap = Container(name: "bootstrap-controller")
        bootstrap.image = configuration.operatorImageName
        bootstrap.command = ["/manager", "bootstrap", "/controller/manager"]
        bootstrap.volumeMounts = [mounts[0]]
        bootstrap.securityContext = containerSecurity
        spec.initContainers = [bootstrap]

        var pgbouncer = Container(name: containerName)
        pgbouncer.image = image(for: pooler)
        pgbouncer.command = ["/controller/manager", "pgbouncer", "run"]
        pgbouncer.ports = [
            ContainerPort(name: "pgbouncer", containerPort: Int32(PgBouncerConfiguration.port)),
            ContainerPort(name: "metrics", containerPort: metricsPort),
        ]
        pgbouncer.env = [
            EnvVar(name: "NAMESPACE", value: pooler.metadata.namespace ?? "default"), EnvVar(name: "POOLER_NAME", value: name),
            EnvVar(name: "PGUSER", value: PgBouncerConfiguration.adminUser), EnvVar(name: "PGDATABASE", value: "pgbouncer"),
            EnvVar(name: "PGHOST", value: PgBouncerConfiguration.Paths.socketDirectory),
            EnvVar(name: "PSQL_HISTORY", value: "/controller/tmp/.psql_history"),
            EnvVar(name: "METRICS_PORT_TLS", value: pooler.spec.monitoring?.tls?.enabled == true ? "true" : "false"),
        ]
        var readiness = Probe()
        readiness.tcpSocket = TCPSocketAction(port: .int(PgBouncerConfiguration.port), host: nil)
        readiness.timeoutSeconds = 5
        readiness.periodSeconds = 2
        pgbouncer.readinessProbe = readiness
        pgbouncer.volumeMounts = mounts
        pgbouncer.securityContext = containerSecurity
        spec.containers = [pgbouncer]
        return spec
    }

    /// The Deployment; its pod template carries the spec hash, so a changed Pooler rolls the pods.
    public static func deployment(for pooler: Pooler, configuration: OperatorConfiguration) -> JSONValue {
        let podSpec = podSpec(for: pooler, configuration: configuration)
        let hash = sha256Hex(Data(JSONText.serialize(ObjectCodec.encode(pooler.spec)).utf8))
        let selector: JSONValue = .object([("matchLabels", .object([(CNPGLabels.poolerName, .string(pooler.metadata.name ?? ""))]))])
        let generated: JSONValue = .object([
            (
                "metadata",
                .object([
                    ("labels", ObjectCodec.encode(labels(for: pooler))),
                    ("annotations", .object([("cnpg.io/poolerSpecHash", .string(hash))])),
                ])
            ),
            ("spec", ObjectCodec.encode(podSpec)),
        ])
        let template = PoolerTemplate.podTemplate(generated: generated, userTemplate: pooler.spec.template.map { ObjectCodec.encode($0) })
        var spec: [(String, JSONValue)] = [("replicas", .int(Int64(pooler.spec.instances ?? 1))), ("selector", selector), ("template", template)]
        if let strategy = pooler.spec.deploymentStrategy { spec.append(("strategy", ObjectCodec.encode(strategy))) }
        return .object([
            ("apiVersion", .string("apps/v1")), ("kind", .string("Deployment")),
            ("metadata", ObjectCodec.encode(metadata(for: pooler, annotations: ["cnpg.io/poolerSpecHash": hash]))),
            ("spec", .object(spec)),
        ])
    }

    /// The Service: ClusterIP on 5432 to the `pgbouncer` port, with `serviceTemplate` applied.
    public static func service(for pooler: Pooler) -> JSONValue {
        var spec = ServiceSpec()
        spec.type = "ClusterIP"
        spec.ports = [ServicePort(name: "pgbouncer", port: Int32(PgBouncerConfiguration.port), targetPort: .string("pgbouncer"))]
        spec.selector = [CNPGLabels.poolerName: pooler.metadata.name ?? ""]
        let generated = ObjectCodec.encode(Service(metadata: metadata(for: pooler), spec: spec))
        return PoolerTemplate.service(generated: generated, userTemplate: pooler.spec.serviceTemplate.map { ObjectCodec.encode($0) })
    }

    public static func serviceAccount(for pooler: Pooler) -> ServiceAccount? {
        guard (pooler.spec.serviceAccountName ?? "").isEmpty else { return nil }
        var account = ServiceAccount(metadata: metadata(for: pooler))
        account.automountServiceAccountToken = false
        return account
    }

    /// Read its own Pooler, write its status, read only the Secrets it uses.
    public static func role(for pooler: Pooler, secrets: PoolerSecretNames) -> RBACRole {
        let name = pooler.metadata.name ?? ""
        return RBACRole(
            kind: "Role", metadata: metadata(for: pooler),
            rules: [
                PolicyRule(apiGroups: [CNPG.group], resources: ["poolers"], verbs: ["get", "watch"], resourceNames: [name]),
                PolicyRule(apiGroups: [CNPG.group], resources: ["poolers/status"], verbs: ["get", "patch", "update", "watch"], resourceNames: [name]),
                PolicyRule(apiGroups: [""], resources: ["secrets"], verbs: ["get", "watch"], resourceNames: secrets.all),
            ])
    }

    public static func roleBinding(for pooler: Pooler) -> RBACBinding {
        let name = pooler.metadata.name ?? ""
        return RBACBinding(
            kind: "RoleBinding", metadata: metadata(for: pooler),
            subjects: [Subject(kind: "ServiceAccount", name: serviceAccountName(for: pooler), namespace: pooler.metadata.namespace)],
            roleRef: RoleRef(kind: "Role", name: name))
    }
}
