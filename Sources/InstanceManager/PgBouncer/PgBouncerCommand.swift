import ArgumentParser
import CNPGCore
import Foundation
import Logging
import ServiceLifecycle

struct PgBouncerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgbouncer",
        abstract: "Run PgBouncer for a Pooler (the pooler pods' entrypoint).",
        subcommands: [PgBouncerRunCommand.self]
    )
}

/// `pgbouncer run`: writes PgBouncer's configuration and certificates from the Pooler and its
/// Secrets (read with the pod's service-account token), runs PgBouncer, and keeps it in step:
/// changed files are rewritten and reloaded (SIGHUP), `paused` pauses or resumes it
/// (SIGUSR1/SIGUSR2). On SIGTERM PgBouncer is stopped and the command exits with it.
struct PgBouncerRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Write PgBouncer's files from the Pooler and its Secrets, run PgBouncer and reload it when they change."
    )

    static let environment = ProcessInfo.processInfo.environment

    @Option(name: .long, help: "The Pooler's namespace; $NAMESPACE when set.")
    var namespace = environment["NAMESPACE"] ?? ""

    @Option(name: .customLong("pooler-name"), help: "The Pooler; $POOLER_NAME when set.")
    var poolerName = environment["POOLER_NAME"] ?? ""

    @Option(name: .long, help: "A kubeconfig to use instead of the pod's service account (for tests).")
    var kubeconfig = ""

    @Option(name: .customLong("pgbouncer"), help: "The PgBouncer executable (default: pgbouncer on PATH, else /usr/sbin/pgbouncer).")
    var executable = ""

    @Option(name: .customLong("listen-address"), help: "Address PgBouncer listens on; $CNPG_LISTEN_ADDRESSES when set.")
    var listenAddress = environment["CNPG_LISTEN_ADDRESSES"] ?? "*"

    @Option(name: .customLong("metrics-port"), help: "Port of PgBouncer's Prometheus metrics (/metrics); 0 turns them off.")
    var metricsPort = Int(PoolerBuilder.metricsPort)

    @Flag(
        name: .customLong("metrics-port-tls"),
        help: "Serve the metrics over TLS 1.3 with PgBouncer's client-facing certificate (on when $METRICS_PORT_TLS is true).")
    var metricsTLS = false

    @Option(name: .customLong("refresh-seconds"), help: "How often the Pooler and its Secrets are read again.")
    var refreshSeconds = 10

    @Option(name: .customLong("log-level"), help: "Log level: error, warning, info, debug or trace.")
    var logLevel = "info"

    func validate() throws {
        if namespace.isEmpty { throw ValidationError("--namespace is required (or set NAMESPACE)") }
        if poolerName.isEmpty { throw ValidationError("--pooler-name is required (or set POOLER_NAME)") }
        guard (1...3600).contains(refreshSeconds) else { throw ValidationError("--refresh-seconds must be between 1 and 3600, got \(refreshSeconds)") }
        guard (0...65535).contains(metricsPort) else { throw ValidationError("--metrics-port must be between 0 and 65535, got \(metricsPort)") }
    }

    func run() async throws {
        JSONLogHandler.bootstrap(level: logLevel)
        var logger = Logger(label: "pgbouncer")
        logger[metadataKey: "logging_pod"] = .string(ProcessInfo.processInfo.hostName)
        let path = executable.isEmpty ? (ExecutableSearch.find("pgbouncer") ?? "/usr/sbin/pgbouncer") : executable
        guard FileManager.default.isExecutableFile(atPath: path) else { throw ValidationError("PgBouncer not found at \(path); set --pgbouncer") }
        // The root filesystem is read-only: the command's output goes through the scratch volume.
        let versionOutput = try await ChildProcess.run(path, ["--version"], timeout: .seconds(20), scratchDirectory: PgBouncerConfiguration.Paths.root)
        guard let version = PgBouncerConfiguration.version(fromVersionOutput: versionOutput.output) else {
            throw ValidationError("cannot read PgBouncer's version from \(path) --version: \(versionOutput.output)\(versionOutput.error)")
        }
        logger.info("PgBouncer found", metadata: ["path": "\(path)", "version": "\(version.major).\(version.minor)"])
        let configuration = kubeconfig.isEmpty ? try KubeClientConfiguration.inCluster() : try KubeClientConfiguration.fromKubeconfig(path: kubeconfig)
        let client = try HTTPKubeClient(configuration: configuration, requestTimeout: .seconds(10))
        let metricsCertificate = metricsTLS || Self.environment["METRICS_PORT_TLS"] == "true" ? ServingCertificate() : nil
        let supervisor = PgBouncerSupervisor(
            client: client, namespace: namespace, poolerName: poolerName, executable: path,
            listenAddress: listenAddress, refresh: .seconds(refreshSeconds),
            authDatabase: PgBouncerConfiguration.supportsAuthDatabase(version), metricsCertificate: metricsCertificate, logger: logger)
        var failure: Error?
        do {
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: supervisor)]
            if metricsPort > 0 {
                let address = listenAddress == "*" ? "0.0.0.0" : listenAddress
                let exporter = PgBouncerExporter()
                let serverLogger = logger
                if let metricsCertificate {
                    // Over TLS the server starts once the supervisor has installed PgBouncer's certificate.
                    services.append(
                        .init(
                            service: ServiceAfterCertificate(certificate: metricsCertificate) {
                                try PgBouncerExporter.application(
                                    address: address, port: metricsPort, exporter: exporter, certificate: metricsCertificate, logger: serverLogger)
                            }))
                } else {
                    services.append(.init(service: try PgBouncerExporter.application(address: address, port: metricsPort, exporter: exporter, logger: logger)))
                }
            }
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: services,
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch {
            failure = error
        }
        // Always: an HTTP client dropped without a shutdown traps.
        try? await client.shutdown()
        if let failure { throw failure }
    }
}

/// A TLS server that can only start once its certificate is there: waits for it (returning early
/// on a graceful shutdown), then runs the service `make` builds.
struct ServiceAfterCertificate: ServiceLifecycle.Service {
    let certificate: ServingCertificate
    let make: @Sendable () throws -> any ServiceLifecycle.Service

    func run() async throws {
        while !certificate.isLoaded {
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
        try await make().run()
    }
}
