import ArgumentParser
import CNPGCore
import Foundation
import Logging

/// Flags every `instance` subcommand shares (CNPG's names; defaults from the pod's environment).
struct InstanceOptions: ParsableArguments {
    private static let environment = ProcessInfo.processInfo.environment

    @Option(name: .customLong("pg-data"), help: "The data directory; $PGDATA when set.")
    var dataDirectory = environment["PGDATA"] ?? InstancePaths.defaultDataDirectory

    @Option(name: .customLong("pg-wal"), help: "A separate WAL directory, when the cluster has a WAL volume.")
    var walDirectory: String?

    @Option(name: .customLong("pod-name"), help: "This instance's pod name; $POD_NAME when set.")
    var podName = environment["POD_NAME"] ?? ""

    @Option(name: .customLong("cluster-name"), help: "The Cluster; $CLUSTER_NAME when set.")
    var clusterName = environment["CLUSTER_NAME"] ?? ""

    @Option(name: .customLong("namespace"), help: "The Cluster's namespace; $NAMESPACE when set.")
    var namespace = environment["NAMESPACE"] ?? ""

    @Option(name: .customLong("log-level"), help: "Log level: error, warning, info, debug or trace.")
    var logLevel = "info"

    @Option(
        name: .customLong("controller-dir"),
        help: "Scratch directory holding certificates/, run/, log/ and tmp/; $CNPG_CONTROLLER_DIR when set.")
    var controllerDirectory = environment["CNPG_CONTROLLER_DIR"] ?? InstancePaths.defaultControllerDirectory

    @Option(
        name: .customLong("kubeconfig"),
        help: "A kubeconfig to reach the API server ($KUBECONFIG when set); without one, the pod's service account.")
    var kubeconfig = environment["KUBECONFIG"] ?? ""

    @Option(
        name: .customLong("pg-bin-dir"),
        help: "Directory of the PostgreSQL executables ($CNPG_PG_BIN_DIR when set); without one, $PATH then /usr/lib/postgresql/N/bin.")
    var binDirectory = environment["CNPG_PG_BIN_DIR"] ?? ""

    @Option(
        name: .customLong("listen-addresses"),
        help: "Address PostgreSQL and the status API listen on; $CNPG_LISTEN_ADDRESSES when set (the sandbox gives each pod its own).")
    var listenAddresses = environment["CNPG_LISTEN_ADDRESSES"] ?? "*"

    @Option(name: .customLong("port"), help: "PostgreSQL port; $PGPORT when set.")
    var port = Int(environment["PGPORT"] ?? "") ?? 5432

    func validate() throws {
        for (value, flag) in [(podName, "--pod-name"), (clusterName, "--cluster-name"), (namespace, "--namespace")] where value.isEmpty {
            throw ValidationError("\(flag) is required (or set its environment variable)")
        }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535, got \(port)") }
        guard dataDirectory.hasPrefix("/") else { throw ValidationError("--pg-data must be an absolute path, got \(dataDirectory)") }
    }

    var paths: InstancePaths {
        InstancePaths(dataDirectory: dataDirectory, walDirectory: walDirectory, controllerDirectory: controllerDirectory)
    }

    var listening: InstanceConfigurationFiles.Listening {
        InstanceConfigurationFiles.Listening(addresses: listenAddresses, port: port)
    }

    func logger(_ label: String) -> Logger {
        JSONLogHandler.bootstrap(level: logLevel)
        var logger = Logger(label: label)
        logger[metadataKey: "logging_pod"] = .string(podName)
        return logger
    }

    func kubeClient() throws -> HTTPKubeClient {
        let configuration: KubeClientConfiguration
        if !kubeconfig.isEmpty {
            configuration = try KubeClientConfiguration.fromKubeconfig(path: kubeconfig)
        } else {
            configuration = try KubeClientConfiguration.inCluster()
        }
        return try HTTPKubeClient(configuration: configuration, requestTimeout: .seconds(10))
    }

    /// The directories the manager writes to, created before anything else (tmp world-writable, as CNPG).
    func prepareDirectories() throws {
        let paths = paths
        for directory in [paths.certificatesDirectory, paths.socketDirectory, paths.logDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try FileManager.default.createDirectory(atPath: paths.temporaryDirectory, withIntermediateDirectories: true)
        chmod(paths.temporaryDirectory, 0o1777)
    }
}

/// What every `instance` subcommand starts from: its logger, the API client (shut down on the way
/// out), the Cluster once it can be read, and the PostgreSQL executables.
struct InstanceContext: Sendable {
    let logger: Logger
    let client: HTTPKubeClient
    let access: ClusterAccess
    let cluster: Cluster
    let binaries: PostgresBinaries
    let writer: InstanceFilesWriter
}

extension InstanceOptions {
    func withContext<T: Sendable>(_ label: String, _ body: (InstanceContext) async throws -> T) async throws -> T {
        let logger = logger(label)
        try prepareDirectories()
        let client = try kubeClient()
        do {
            let access = ClusterAccess(client: client, namespace: namespace, clusterName: clusterName)
            let cluster = try await access.waitForCluster(logger: logger)
            let binaries = try await PostgresBinaries.locate(binDirectory)
            let writer = InstanceFilesWriter(
                paths: paths, podName: podName, majorVersion: binaries.majorVersion,
                listening: listening, osUser: InstanceFilesWriter.currentOSUser())
            let result = try await body(
                InstanceContext(
                    logger: logger, client: client, access: access, cluster: cluster,
                    binaries: binaries, writer: writer))
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
