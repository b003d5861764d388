import CNPGCore
import Foundation
import Logging
import ServiceLifecycle

/// Keeps PgBouncer running with the files its Pooler and Secrets call for.
struct PgBouncerSupervisor: ServiceLifecycle.Service {
    let client: HTTPKubeClient
    let namespace: String
    let poolerName: String
    let executable: String
    let listenAddress: String
    let refresh: Duration
    /// PgBouncer 1.19+ (`auth_dbname`).
    let authDatabase: Bool
    /// With metrics over TLS: the exporter presents PgBouncer's client-facing certificate, kept in step here.
    var metricsCertificate: ServingCertificate?
    let logger: Logger

    func run() async throws {
        // Until the operator has resolved the Secrets (and they exist), there is nothing to run.
        let fileSet: PgBouncerFileSet? = await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    return try await desiredFiles()
                } catch {
                    logger.info("waiting for the Pooler's configuration", metadata: ["reason": "\(error)"])
                    try? await Task.sleep(for: .seconds(2))
                }
            }
            return nil
        }
        guard var current = fileSet else { return }
        try write(current)
        let process = try ChildProcess.spawn(executable, [PgBouncerConfiguration.Paths.ini])
        logger.info("PgBouncer started", metadata: ["pid": "\(process.pid)"])
        if current.paused { process.signal(SIGUSR1) }
        await withGracefulShutdownHandler {
            while !Task.isCancelled {
                if let termination = await process.wait(timeout: refresh) {
                    // Returning ends the service group, and the command fails: the kubelet restarts the container.
                    logger.error("PgBouncer ended", metadata: ["termination": "\(termination)"])
                    return
                }
                guard let next = try? await desiredFiles() else { continue }
                if next.files != current.files {
                    do {
                        try write(next)
                        process.signal(SIGHUP)
                        logger.info("PgBouncer configuration reloaded")
                    } catch {
                        logger.error("cannot write PgBouncer's files", metadata: ["error": "\(error)"])
                    }
                }
                if next.paused != current.paused {
                    process.signal(next.paused ? SIGUSR1 : SIGUSR2)
                    logger.info(next.paused ? "PgBouncer paused" : "PgBouncer resumed")
                }
                current = next
            }
        } onGracefulShutdown: {
            process.signal(SIGTERM)
        }
        if process.poll() == nil {
            process.signal(SIGTERM)
            if await process.wait(timeout: .seconds(10)) == nil { process.signal(SIGKILL) }
            _ = await process.wait()
        }
    }

    func desiredFiles() async throws -> PgBouncerFileSet {
        let object = try await client.get(.poolers, namespace: namespace, name: poolerName)
        let pooler = try ObjectCodec.decode(Pooler.self, from: object)
        guard let names = PoolerSecretNames(status: pooler.status) else {
            throw PgBouncerFileSet.Problem(description: "the operator has not listed the Pooler's secrets yet")
        }
        var secrets: [String: [String: String]] = [:]
        for name in names.all {
            guard let object = try? await client.get(.secrets, namespace: namespace, name: name),
                let secret = try? ObjectCodec.decode(Secret.self, from: object)
            else { continue }
            secrets[name] = secret.stringValues
        }
        return try PgBouncerFileSet.make(
            pooler: pooler, secretNames: names, secrets: secrets, listenAddress: listenAddress,
            authDatabase: authDatabase)
    }

    /// Each file replaced atomically (written beside it, then renamed), with its mode.
    func write(_ set: PgBouncerFileSet) throws {
        for directory in [PgBouncerConfiguration.Paths.configs, PgBouncerConfiguration.Paths.certificates, PgBouncerConfiguration.Paths.socketDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        for file in set.files {
            let temporary = file.path + ".new"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(file.content.utf8), attributes: [.posixPermissions: file.mode]) else {
                throw PgBouncerFileSet.Problem(description: "cannot write \(file.path)")
            }
            guard rename(temporary, file.path) == 0 else { throw PgBouncerFileSet.Problem(description: "cannot replace \(file.path)") }
        }
        let content = { (name: String) in set.files.first { $0.path == PgBouncerConfiguration.Paths.certificate(name) }?.content }
        if let metricsCertificate, let certificate = content("client-tls.crt"), let key = content("client-tls.key"),
            try metricsCertificate.update(certificatePEM: certificate, privateKeyPEM: key)
        {
            logger.info("the metrics server presents PgBouncer's client certificate")
        }
    }
}
