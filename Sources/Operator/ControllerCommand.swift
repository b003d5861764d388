import ArgumentParser
import AsyncHTTPClient
import CNPGCore
import Foundation
import Logging
import Metrics
import NIOSSL
import Prometheus
import ServiceLifecycle

/// `cnpg-operator controller`: the controller manager.
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run the controller manager: reconcile Clusters into PostgreSQL instances until SIGTERM.",
        discussion: """
            Talks to Kubernetes with --kubeconfig (else KUBECONFIG, else the pod's service account). \\
            Creates each Cluster's RBAC, certificates, credentials, services and disruption budgets, \\
            then its instances (initdb job and first primary, then one replica at a time), keeps the \\
            pods' role labels on the current primary, fails over to the most advanced ready replica \\
            when the primary is lost, and reports status. Logs are JSON lines on standard output.
            """
    )

    @Option(name: .long, help: "Kubeconfig file (default: KUBECONFIG, else in-cluster configuration).")
    var kubeconfig: String?

    @Option(name: .long, help: "Kubeconfig context to use.")
    var context: String?

    @Option(name: .long, help: "Watch only this namespace (default: all namespaces).")
    var namespace: String?

    @Option(name: .long, help: "Log level: error, warning, info, debug or trace.")
    var logLevel: String = "info"

    @Option(name: .long, help: "How many Clusters are reconciled at once.")
    var workers: Int = 4

    @Option(name: .long, help: "Seconds between reconciles of a converged Cluster (its instances are polled then).")
    var resyncSeconds: Int = 10

    @Flag(name: .long, help: "Run the controllers only while holding the leader Lease, so several replicas can run.")
    var leaderElect = false

    @Option(name: .long, help: "Namespace of the leader Lease (default: POD_NAMESPACE, else cnpg-system).")
    var leaderElectionNamespace: String?

    @Option(name: .long, help: "Seconds a leader Lease lasts without renewal before another replica may take it.")
    var leaseDurationSeconds: Int = 15

    @Option(name: .long, help: "Port of the admission webhook server (TLS 1.3); 0 turns it off.")
    var webhookPort: Int = 9443

    @Option(name: .long, help: "Address the webhook server listens on.")
    var webhookBindAddress: String = "0.0.0.0"

    @Option(name: .long, help: "Namespace of the webhook certificates (default: OPERATOR_NAMESPACE, else POD_NAMESPACE, else cnpg-system).")
    var operatorNamespace: String?

    @Option(name: .long, help: "Seconds between checks of the webhook certificate's expiry.")
    var webhookCertificateCheckSeconds: Int = 3600

    @Option(name: .long, help: "Address of the Prometheus metrics endpoint: HOST:PORT, :PORT for every interface, 0 for none.")
    var metricsBindAddress: String = ":8080"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of: trace, debug, info, notice, warning, error, critical")
        }
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be between 1 and 64") }
        guard resyncSeconds > 0 else { throw ValidationError("--resync-seconds must be positive") }
        guard (3...300).contains(leaseDurationSeconds) else { throw ValidationError("--lease-duration-seconds must be between 3 and 300") }
        guard (0...65535).contains(webhookPort) else { throw ValidationError("--webhook-port must be between 0 and 65535") }
        guard MetricsServer.parse(bindAddress: metricsBindAddress) != nil else {
            throw ValidationError("--metrics-bind-address must be HOST:PORT, :PORT or 0, got '\(metricsBindAddress)'")
        }
        guard webhookCertificateCheckSeconds > 0 else { throw ValidationError("--webhook-certificate-check-seconds must be positive") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let operatorConfiguration = try OperatorConfiguration.fromEnvironment()
        JSONLogHandler.bootstrap(level: logLevel)
        let logger = Logger(label: "cnpg-operator")
        let registry = PrometheusCollectorRegistry()
        var metricsFactory = PrometheusMetricsFactory(registry: registry)
        metricsFactory.defaultDurationHistogramBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30].map {
            Duration.milliseconds(Int64($0 * 1000))
        }
        MetricsSystem.bootstrap(metricsFactory)
        let configuration: KubeClientConfiguration
        do {
            if kubeconfig != nil || ProcessInfo.processInfo.environment["KUBECONFIG"] != nil
                || ProcessInfo.processInfo.environment["KUBERNETES_SERVICE_HOST"] == nil
            {
                configuration = try KubeClientConfiguration.fromKubeconfig(path: kubeconfig, context: context)
            } else {
                configuration = try KubeClientConfiguration.inCluster()
            }
        } catch {
            throw ValidationError("cannot configure the Kubernetes client: \(error)")
        }
        let client = try HTTPKubeClient(configuration: configuration, requestTimeout: .seconds(30))
        let http = InstanceStatusClient.makeHTTPClient()
        let identity = try InstanceStatusClient.OperatorIdentity.generate(
            commonName: environment["POD_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "cloudnative-pg-operator")
        let operatorNamespace = self.operatorNamespace ?? environment["OPERATOR_NAMESPACE"] ?? environment["POD_NAMESPACE"] ?? "cnpg-system"
        let ownedInformers = ClusterController.ownedInformers(client: client, namespace: namespace)
        let poolerInformer = ClusterController.poolerInformer(client: client, namespace: namespace)
        var reconciler = ClusterReconciler(
            client: InformerBackedKubeClient(base: client, informers: ownedInformers + [poolerInformer]),
            configuration: operatorConfiguration, operatorNamespace: operatorNamespace,
            statuses: InstanceStatusClient(http: http, timeout: .seconds(5), identity: identity), logger: logger,
            resyncPeriod: .seconds(Int64(resyncSeconds)))
        let managerPath = operatorConfiguration.instanceManagerBinary
        if let hash = sha256Hex(fileAtPath: managerPath) {
            reconciler.managerBinary = ManagerUpgrade.Binary(path: managerPath, architecture: ManagerUpgrade.currentArchitecture, hash: hash)
            logger.info("publishing the instance manager", metadata: ["path": "\(managerPath)", "executableHash": "\(hash)"])
        } else {
            logger.info("no instance manager binary to publish: no online upgrades", metadata: ["path": "\(managerPath)"])
        }
        let poolers = PoolerController(
            client: client, namespace: namespace,
            reconciler: PoolerReconciler(client: client, configuration: operatorConfiguration, logger: logger), logger: logger)
        // The same operator identity (client certificate) for every call to an instance.
        let backups = BackupController(
            client: client, namespace: namespace,
            backups: BackupReconciler(client: client, statuses: reconciler.statuses, logger: logger),
            schedules: ScheduledBackupReconciler(client: client, logger: logger, longestWait: .seconds(Int64(resyncSeconds))),
            logger: logger)
        let controller = ClusterController(
            client: client, namespace: namespace, reconciler: reconciler, ownedInformers: ownedInformers,
            workers: workers, poolerInformer: poolerInformer, poolers: poolers, backups: backups, logger: logger)
        let service: any ServiceLifecycle.Service
        if leaderElect {
            let duration = Duration.seconds(leaseDurationSeconds)
            service = LeaderElectedService(
                client: client, namespace: leaderElectionNamespace ?? ProcessInfo.processInfo.environment["POD_NAMESPACE"] ?? "cnpg-system",
                leaseName: "db9c8771.cnpg.io", identity: "\(ProcessInfo.processInfo.hostName)_\(UUID().uuidString.lowercased())",
                leaseDuration: duration, renewPeriod: duration / 7, renewDeadline: duration * 2 / 3, logger: logger,
                controllers: { try await controller.run() })
        } else {
            service = controller
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: service)]
        if webhookPort > 0 {
            let certificateNamespace = operatorNamespace
            let certificates = WebhookCertificateManager(
                client: client, namespace: certificateNamespace, policy: CertificatePolicy(configuration: operatorConfiguration),
                manageConfigurations: operatorConfiguration.manageWebhookConfigurations,
                configurationNameSuffix: operatorConfiguration.webhookNamespaceSuffix, logger: logger)
            services.append(
                .init(
                    service: WebhookServer(
                        host: webhookBindAddress, port: webhookPort, certificates: certificates,
                        configuration: operatorConfiguration,
                        certificateCheckPeriod: .seconds(webhookCertificateCheckSeconds), logger: logger)))
        }
        if case .address(let host, let port)? = MetricsServer.parse(bindAddress: metricsBindAddress) {
            services.append(.init(service: MetricsServer(host: host, port: port, registry: registry, logger: logger)))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("starting the controller manager", metadata: ["namespace": "\(namespace ?? "all")", "version": "\(CNPG.operatorVersion)"])
        var failure: Error?
        do {
            try await group.run()
        } catch {
            logger.error("controller manager stopped: \(error)")
            failure = error
        }
        try? await http.shutdown()
        try? await client.shutdown()
        logger.info("controller manager stopped")
        if failure != nil { throw ExitCode(1) }
    }
}
