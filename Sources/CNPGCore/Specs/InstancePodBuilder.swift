import Foundation

/// The Pod of one PostgreSQL instance (`<cluster>-<serial>`).
public enum InstancePodBuilder {
    public static let statusPort: Int32 = 8000
    public static let metricsPort: Int32 = 9187
    public static let postgresPort: Int32 = 5432
    /// The instance manager's container (where `kubectl cnpg psql` and `status` run their commands).
    public static let postgresContainer = "postgres"

    /// Labels every instance pod and job shares.
    static func labels(for cluster: Cluster, instance: String) -> [String: String] {
        var labels = ServiceBuilder.commonLabels(for: cluster)
        labels[CNPGLabels.cluster] = cluster.metadata.name ?? ""
        labels[CNPGLabels.instanceName] = instance
        labels[CNPGLabels.managedBy] = CNPGLabels.managedByValue
        return labels
    }

    public static func image(for cluster: Cluster) -> String {
        cluster.spec.imageName ?? cluster.status?.image ?? CNPG.defaultImageName
    }

    public static func pod(for cluster: Cluster, serial: Int, configuration: OperatorConfiguration = OperatorConfiguration()) -> Pod {
        let instance = "\(cluster.metadata.name ?? "")-\(serial)"
        var spec = basePodSpec(for: cluster, instance: instance, hostname: instance, configuration: configuration)
        spec.containers = [postgresContainer(for: cluster, instance: instance)]
        var labels = labels(for: cluster, instance: instance)
        labels[CNPGLabels.podRole] = "instance"
        var annotations = SecurityContextBuilder.appArmorAnnotations(for: cluster, containers: [postgresContainer, "bootstrap-controller"])
        annotations["cnpg.io/nodeSerial"] = String(serial)
        annotations["cnpg.io/podSpec"] = JSONText.serialize(ObjectCodec.encode(spec))
        if let restartedAt = cluster.metadata.annotation("kubectl.kubernetes.io/restartedAt") {
            annotations["kubectl.kubernetes.io/restartedAt"] = restartedAt
        }
        return Pod(metadata: ClusterObjectMetadata.make(for: cluster, name: instance, labels: labels, annotations: annotations), spec: spec)
    }

    /// What pods and jobs share: identity, security, scheduling, volumes and the init container.
    static func basePodSpec(for cluster: Cluster, instance: String, hostname: String, configuration: OperatorConfiguration) -> PodSpec {
        var spec = PodSpec()
        spec.hostname = hostname
        if configuration.createAnyService { spec.subdomain = "\(cluster.metadata.name ?? "")-any" }
        spec.serviceAccountName = InstanceRBAC.serviceAccountName(for: cluster)
        spec.automountServiceAccountToken = false
        spec.terminationGracePeriodSeconds = Int64(cluster.spec.stopDelay ?? 1800)
        spec.securityContext = SecurityContextBuilder.pod(for: cluster)
        spec.affinity = AffinityBuilder.affinity(for: cluster)
        spec.nodeSelector = cluster.spec.affinity?.nodeSelector
        spec.tolerations = cluster.spec.affinity?.tolerations
        spec.topologySpreadConstraints = cluster.spec.topologySpreadConstraints
        spec.schedulerName = cluster.spec.schedulerName
        spec.priorityClassName = cluster.spec.priorityClassName
        spec.volumes = InstanceVolumes.volumes(for: cluster, instance: instance)
        var bootstrap = Container(name: "bootstrap-controller")
        bootstrap.image = configuration.operatorImageName
        bootstrap.imagePullPolicy = cluster.spec.imagePullPolicy
        bootstrap.command = ["/manager", "bootstrap", "/controller/manager", "--log-level=\(cluster.spec.logLevel ?? "info")"]
        bootstrap.resources = cluster.spec.resources
        bootstrap.volumeMounts = InstanceVolumes.mounts(for: cluster, includeServiceAccount: false)
        bootstrap.securityContext = SecurityContextBuilder.container(for: cluster)
        spec.initContainers = [bootstrap]
        return spec
    }

    static func postgresContainer(for cluster: Cluster, instance: String) -> Container {
        var container = Container(name: postgresContainer)
        container.image = image(for: cluster)
        container.imagePullPolicy = cluster.spec.imagePullPolicy
        var command = ["/controller/manager", "instance", "run", "--log-level=\(cluster.spec.logLevel ?? "info")", "--status-port-tls"]
        if cluster.spec.monitoring?.tls?.enabled == true { command.append("--metrics-port-tls") }
        container.command = command
        container.env = InstanceVolumes.environment(for: cluster, podName: instance)
        container.envFrom = cluster.spec.envFrom
        container.resources = cluster.spec.resources
        container.ports = [
            ContainerPort(name: "postgresql", containerPort: postgresPort),
            ContainerPort(name: "metrics", containerPort: metricsPort),
            ContainerPort(name: "status", containerPort: statusPort),
        ]
        container.volumeMounts = InstanceVolumes.mounts(for: cluster, includeServiceAccount: true)
        container.securityContext = SecurityContextBuilder.container(for: cluster)
        let probes = cluster.spec.probes
        let startDelay = Int(cluster.spec.startDelay ?? 3600)
        var startup = probe(path: "/startupz", failureThreshold: max(1, Int32((startDelay + 9) / 10)))
        apply(probes?.startup, to: &startup)
        var readiness = probe(path: "/readyz", failureThreshold: nil)
        apply(probes?.readiness, to: &readiness)
        var liveness = probe(path: "/healthz", failureThreshold: nil)
        if let timeout = cluster.spec.livenessProbeTimeout, (probes?.liveness?.failureThreshold ?? 0) == 0 {
            liveness.failureThreshold = max(1, Int32((Int(timeout) + 9) / 10))
        }
        if let user = probes?.liveness {
            overwrite(
                &liveness, initialDelay: user.initialDelaySeconds, timeout: user.timeoutSeconds, period: user.periodSeconds,
                success: user.successThreshold, failure: user.failureThreshold, grace: user.terminationGracePeriodSeconds)
        }
        container.startupProbe = startup
        container.readinessProbe = readiness
        container.livenessProbe = liveness
        return container
    }

    static func probe(path: String, failureThreshold: Int32?) -> Probe {
        var probe = Probe()
        probe.httpGet = HTTPGetAction(path: path, port: .int(Int(statusPort)), scheme: "HTTPS")
        probe.periodSeconds = 10
        probe.timeoutSeconds = 5
        probe.failureThreshold = failureThreshold
        return probe
    }

    static func apply(_ user: ProbeWithStrategy?, to probe: inout Probe) {
        guard let user else { return }
        overwrite(
            &probe, initialDelay: user.initialDelaySeconds, timeout: user.timeoutSeconds, period: user.periodSeconds,
            success: user.successThreshold, failure: user.failureThreshold, grace: user.terminationGracePeriodSeconds)
    }

    /// Non-zero user values replace the generated ones.
    static func overwrite(
        _ probe: inout Probe, initialDelay: Int32?, timeout: Int32?, period: Int32?, success: Int32?,
        failure: Int32?, grace: Int64?
    ) {
        if let value = initialDelay, value != 0 { probe.initialDelaySeconds = value }
        if let value = timeout, value != 0 { probe.timeoutSeconds = value }
        if let value = period, value != 0 { probe.periodSeconds = value }
        if let value = success, value != 0 { probe.successThreshold = value }
        if let value = failure, value != 0 { probe.failureThreshold = value }
        if let value = grace, value != 0 { probe.terminationGracePeriodSeconds = value }
    }
}
