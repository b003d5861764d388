import ArgumentParser
import CNPGCore
import Foundation
import Logging

/// `instance join`: a new replica cloned from the primary with pg_basebackup over TLS, authenticated
/// by the replication client certificate (the `<pod>-join` job).
struct JoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Clone a new replica from the primary with pg_basebackup (replication certificate over TLS)."
    )

    @OptionGroup var options: InstanceOptions

    @Option(name: .customLong("parent-node"), help: "The host to clone from (the operator passes <cluster>-rw).")
    var parentNode: String

    @Option(name: .customLong("timeout"), help: "Give up after this many seconds without a successful base backup.")
    var timeoutSeconds = 3600

    func run() async throws {
        try await options.withContext("instance-join", clone)
    }

    func clone(_ context: InstanceContext) async throws {
        let (logger, binaries, paths, writer, cluster) = (context.logger, context.binaries, options.paths, context.writer, context.cluster)
        _ = try await writer.writeCertificates(cluster: cluster, access: context.access)
        try await DataDirectory.clear(paths: paths, binaries: binaries, logger: logger)

        let conninfo = PrimaryConnInfo.make(
            host: parentNode, port: options.port, applicationName: options.podName, paths: paths,
            extra: [("connect_timeout", "5")])
        var arguments = ["-D", paths.dataDirectory, "-v", "-w", "-d", conninfo]
        if let wal = paths.walDirectory { arguments += ["--waldir", wal] }
        umask(0o077)
        let deadline = ContinuousClock.now.advanced(by: .seconds(timeoutSeconds))
        var attempt = 0
        while true {
            attempt += 1
            let result = try await ChildProcess.run(
                binaries.path("pg_basebackup"), arguments, timeout: .seconds(timeoutSeconds),
                scratchDirectory: paths.temporaryDirectory)
            if result.succeeded { break }
            let reason = result.error.split(separator: "\n").first.map(String.init) ?? result.termination.description
            guard ContinuousClock.now < deadline else {
                throw Postmaster.Failure(description: "pg_basebackup from \(parentNode) failed: \(reason)")
            }
            logger.info("waiting for the primary to accept the base backup", metadata: ["attempt": "\(attempt)", "error": "\(reason)"])
            try? FileManager.default.removeItem(atPath: paths.dataDirectory)
            try await Task.sleep(for: .seconds(2))
        }
        try writer.writeConfiguration(cluster: cluster, role: .standby(primaryHost: "\(options.clusterName)-rw"))
        logger.info("replica cloned", metadata: ["from": "\(parentNode)"])
    }
}
