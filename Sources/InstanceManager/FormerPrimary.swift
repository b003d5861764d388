import CNPGCore
import Foundation
import Logging

/// A former primary rejoins as a replica of the new one: pg_rewind undoes what it wrote after the
/// timelines diverged (crash recovery first when it was not shut down cleanly), then it restarts
/// as a standby. Nothing it committed after the promotion survives, as in CNPG: those
/// transactions were never acknowledged by the cluster's new history.
struct FormerPrimary: Sendable {
    let binaries: PostgresBinaries
    let paths: InstancePaths
    let podName: String
    let port: Int
    let logger: Logger

    /// Retries until pg_rewind succeeds against `primaryHost` (the new primary must be reachable).
    /// The caller removes a stale postmaster.pid first (`Postmaster.removeStalePidFile`).
    func rewind(primaryHost: String, attempts: Int = 120) async throws {
        let conninfo = PrimaryConnInfo.make(
            host: primaryHost, port: port, applicationName: podName, paths: paths,
            extra: [("connect_timeout", "5")])
        var lastError = ""
        for attempt in 1...attempts {
            // pg_control is kept aside before each attempt, as CNPG does, for a post-mortem.
            let control = paths.dataFile("global/pg_control")
            let backup = control + ".old"
            unlink(backup)
            try? FileManager.default.copyItem(atPath: control, toPath: backup)
            let result = try await ChildProcess.run(
                binaries.path("pg_rewind"),
                ["-P", "--source-server", conninfo, "--target-pgdata", paths.dataDirectory],
                timeout: .seconds(3600), scratchDirectory: paths.temporaryDirectory)
            if result.succeeded {
                unlink(backup)
                logger.info("pg_rewind done", metadata: ["source": "\(primaryHost)"])
                return
            }
            lastError = result.error.split(separator: "\n").last.map(String.init) ?? result.termination.description
            logger.info("pg_rewind failed, retrying", metadata: ["attempt": "\(attempt)", "error": "\(lastError)"])
            try await Task.sleep(for: .seconds(2))
        }
        throw Postmaster.Failure(description: "pg_rewind from \(primaryHost) failed: \(lastError)")
    }
}
