import ArgumentParser
import CNPGCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// `instance run`: the pod's main process. Supervises PostgreSQL, serves the status API, follows
/// the Cluster, and on SIGTERM stops PostgreSQL Smart→Fast before exiting.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run and supervise PostgreSQL as the pod's main process, with the status API on --status-port."
    )

    @OptionGroup var options: InstanceOptions

    @Flag(name: .customLong("status-port-tls"), help: "Serve the status API over TLS 1.3 with the cluster's server certificate.")
    var statusPortTLS = false

    @Flag(name: .customLong("metrics-port-tls"), help: "Serve metrics over TLS 1.3 with the cluster's server certificate.")
    var metricsPortTLS = false

    @Option(name: .customLong("metrics-port"), help: "Port of the Prometheus exporter (/metrics); 0 turns it off.")
    var metricsPort = 9187

    @Option(name: .customLong("status-port"), help: "Port of the status API.")
    var statusPort = 8000

    @Option(name: .customLong("resync-seconds"), help: "Reconcile at least this often, even without Cluster changes.")
    var resyncSeconds = 30

    func run() async throws {
        try await options.withContext("instance-manager", supervise)
    }

    /// With no room for WAL the manager exits with CNPG's code 4: the operator reads it from the
    /// container's last state, reports the Cluster as short of disk space and holds failover off
    /// (another instance would not help; a bigger volume does).
    func requireWALSpace(_ check: VolumeSpaceCheck, logger: Logger) throws {
        do {
            try check.verify()
        } catch {
            logger.error("\(error)")
            throw ExitCode(Int32(DiskSpace.walDiskFullExitCode))
        }
    }

    func supervise(_ context: InstanceContext) async throws {
        let (logger, access, cluster, binaries, writer, paths) = (
            context.logger, context.access, context.cluster, context.binaries,
            context.writer, options.paths
        )
        guard FileManager.default.fileExists(atPath: paths.dataFile("PG_VERSION")) else {
            throw ValidationError("\(paths.dataDirectory) is not a PostgreSQL data directory: run `instance init` or `instance join` first")
        }
        let walSpace = VolumeSpaceCheck(paths: paths, cluster: cluster)
        try requireWALSpace(walSpace, logger: logger)
        let postmaster = Postmaster(binaries: binaries, paths: paths, logger: logger)
        let database = LocalDatabase(socketDirectory: paths.socketDirectory, port: options.port, logger: logger)
        let exporter = MetricsExporter(
            clusterName: options.clusterName, database: database, paths: paths, postmaster: postmaster,
            logger: logger)
        let lease = PrimaryLeaseHolder(access: access, identity: options.podName, logger: logger)
        let reconciler = InstanceReconciler(
            podName: options.podName, clusterName: options.clusterName, access: access, writer: writer,
            postmaster: postmaster, database: database,
            formerPrimary: FormerPrimary(
                binaries: binaries, paths: paths, podName: options.podName,
                port: options.port, logger: logger),
            lease: lease, metrics: exporter, logger: logger)
        try await reconciler.prepare(initial: cluster)
        try LogPipes.start(logDirectory: paths.logDirectory, podName: options.podName)

        let collector = StatusCollector(
            database: database, clusterName: options.clusterName, podName: options.podName,
            sessionID: UUID().uuidString.lowercased(), volumes: walSpace)
        let address = options.listenAddresses == "*" ? "0.0.0.0" : options.listenAddresses
        let serverCertificate = ServingCertificate()
        try serverCertificate.load(certificateFile: paths.certificate(.serverCertificate), keyFile: paths.certificate(.serverKey))
        await reconciler.serve(serverCertificate)
        let backups = OnlineBackupSession(database: database, logger: logger)
        let statusServer = try StatusServer.application(
            address: address, port: statusPort, certificate: statusPortTLS ? serverCertificate : nil,
            collector: collector, postmaster: postmaster, backups: backups,
            archiver: PartialWALArchiver(postmaster: postmaster, access: access, podName: options.podName, logger: logger),
            upgrader: ManagerUpgrader(paths: paths, access: access, logger: logger),
            registeredOperator: { await reconciler.cluster?.status?.operatorCertificateFingerprint },
            apiServerReachable: { (try? await withTimeLimit(.milliseconds(500)) { try await access.cluster() }) != nil }, logger: logger)
        var servers: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: statusServer)]
        if metricsPort != 0 {
            servers.append(
                .init(
                    service: try InstanceMetricsServer.application(
                        address: address, port: metricsPort,
                        certificate: metricsPortTLS ? serverCertificate : nil,
                        exporter: exporter, logger: logger)))
        }
        let supervisor = PostmasterService(
            postmaster: postmaster, reconciler: reconciler,
            smartShutdownTimeout: Int(cluster.spec.smartShutdownTimeout ?? 180),
            stopDelay: Int(cluster.spec.stopDelay ?? 1800), logger: logger)
        let follower = ClusterFollower(access: access, reconciler: reconciler, resync: .seconds(resyncSeconds), logger: logger)
        let keeper = PrimaryLeaseKeeper(
            lease: lease, reconciler: reconciler,
            probe: IsolationProbe(
                podName: options.podName, statusPort: statusPort,
                serverCAFile: statusPortTLS ? paths.certificate(.serverCA) : nil),
            logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                // Graceful shutdown runs in reverse order: PostgreSQL stops first, then the rest.
                services: servers + [
                    .init(service: follower),
                    .init(service: keeper),
                    .init(service: supervisor, successTerminationBehavior: .gracefullyShutdownGroup),
                    // Last, so first to stop: a backup session would hold PostgreSQL's smart shutdown back.
                    .init(service: OnlineBackupSweeper(session: backups, access: access, interval: .seconds(60), logger: logger)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch let exited as PostmasterService.Exited {
            // PostgreSQL stops when it cannot write WAL: say so, rather than restart into the same wall.
            try requireWALSpace(walSpace, logger: logger)
            throw exited
        }
        logger.info("instance manager stopped")
    }
}

/// Starts PostgreSQL and waits on it: an unexpected exit ends the manager (the kubelet restarts
/// the container, as CNPG runs with restart_after_crash off); graceful shutdown stops it Smart→Fast.
struct PostmasterService: ServiceLifecycle.Service {
    struct Exited: Error, CustomStringConvertible {
        let termination: ChildProcess.Termination
        var description: String { "postgres exited unexpectedly (\(termination))" }
    }

    let postmaster: Postmaster
    let reconciler: InstanceReconciler
    let smartShutdownTimeout: Int
    let stopDelay: Int
    let logger: Logger

    func run() async throws {
        try await postmaster.begin(fenced: await reconciler.fencesThisInstance)
        await reconciler.postmasterStarted()
        let postmaster = self.postmaster
        let (smart, stopDelay) = (smartShutdownTimeout, self.stopDelay)
        // Cancellation (another service failed) stops PostgreSQL too: never leave it running alone.
        let shuttingDown = ShutdownFlag()
        var termination: ChildProcess.Termination?
        while true {
            termination = await withTaskCancellationHandler {
                await withGracefulShutdownHandler {
                    await postmaster.waitForExit()
                } onGracefulShutdown: {
                    shuttingDown.set()
                    Task { await postmaster.shutdownSmartFast(smartShutdownTimeout: smart, stopDelay: stopDelay) }
                }
            } onCancel: {
                shuttingDown.set()
                Task { await postmaster.shutdownFastImmediate(timeoutSeconds: stopDelay) }
            }
            // An in-place restart or a fence: same pod, same manager, a new postmaster later.
            guard !shuttingDown.isSet, !Task.isCancelled else { break }
            let resumed = await withGracefulShutdownHandler {
                await postmaster.awaitRestart()
            } onGracefulShutdown: {
                shuttingDown.set()
                Task { await postmaster.abandonRestartWaits() }
            }
            guard resumed, !shuttingDown.isSet else { break }
            await reconciler.postmasterStarted()
        }
        if await postmaster.wasStoppedOnPurpose {
            logger.info("postgres stopped", metadata: ["result": "\(termination?.description ?? "not running")"])
            await reconciler.releasePrimaryLease()
            return
        }
        throw Exited(termination: termination ?? .exited(-1))
    }
}

/// Set once graceful shutdown or cancellation began (read from the supervisor's loop).
final class ShutdownFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// Reconciles on every change of the Cluster (a watch narrowed to its name) and at least every
/// `resync`; the watch is re-established after errors.
struct ClusterFollower: ServiceLifecycle.Service {
    let access: ClusterAccess
    let reconciler: InstanceReconciler
    let resync: Duration
    let logger: Logger

    func run() async throws {
        let access = self.access
        let reconciler = self.reconciler
        let resync = self.resync
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        while !Task.isCancelled {
                            // A failed pass (the API server refused or did not answer) is retried soon:
                            // a promotion not yet recorded holds the switchover until it is.
                            let succeeded = await reconciler.reconcile()
                            try await Task.sleep(for: succeeded ? resync : .seconds(2))
                        }
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            let stream = access.client.watch(
                                .clusters, namespace: access.namespace, resourceVersion: nil, labelSelector: nil,
                                fieldSelector: "metadata.name=\(access.clusterName)", timeoutSeconds: 300)
                            do {
                                for try await event in stream where event.kind != .bookmark {
                                    await reconciler.reconcile()
                                }
                            } catch is CancellationError {
                                return
                            } catch {
                                self.logger.debug("cluster watch ended", metadata: ["error": "\(error)"])
                            }
                            try await Task.sleep(for: .seconds(1))
                        }
                    }
                    do {
                        try await group.next()
                    } catch is CancellationError {}
                    group.cancelAll()
                }
            }
        } catch is CancellationError {}
    }
}

/// `instance status`: this instance's `/pg/status`, as JSON on stdout.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print this instance's status (the JSON of GET /pg/status) read from the local PostgreSQL."
    )

    @OptionGroup var options: InstanceOptions

    func run() async throws {
        let logger = options.logger("instance-status")
        let database = LocalDatabase(socketDirectory: options.paths.socketDirectory, port: options.port, logger: logger)
        let collector = StatusCollector(database: database, clusterName: options.clusterName, podName: options.podName, sessionID: "")
        print(JSONText.serialize(ObjectCodec.encode(try await collector.collect())))
    }
}
