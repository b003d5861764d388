import CNPGCore
import Foundation
import Logging

/// `POST /pg/archive/partial` (rules in `PartialWALArchive`): hard-links the segment the last
/// checkpoint's redo starts in as `pg_wal/<segment>.partial`, runs `/controller/manager wal-archive`
/// on it from PGDATA, as PostgreSQL's archive_command would, and removes the link.
struct PartialWALArchiver: Sendable {
    let postmaster: Postmaster
    let access: ClusterAccess
    let podName: String
    let logger: Logger

    /// The archived segment's name, or why nothing was archived.
    func archive() async -> Result<String, PartialWALArchive.Refusal> {
        let fenced = await postmaster.isFenced
        let cluster = fenced ? try? await access.cluster() : nil
        if let refusal = PartialWALArchive.refusal(fenced: fenced, cluster: cluster, podName: podName) { return .failure(refusal) }
        let paths = postmaster.paths
        guard case .success(let controldata) = await postmaster.controldata(), let walFile = PartialWALArchive.redoWALFile(controldata: controldata) else {
            return .failure(.init(.couldNotParseRedoWALFile, "pg_controldata names no REDO WAL file"))
        }
        let partial = PartialWALArchive.partialPath(of: walFile)
        let linkPath = paths.dataFile(partial)
        unlink(linkPath)  // left by an attempt that was interrupted
        guard link(paths.dataFile("pg_wal/\(walFile)"), linkPath) == 0 else {
            return .failure(.init(.errorWhileCreatingSymlink, "cannot link \(walFile) as \(partial): \(String(cString: strerror(errno)))"))
        }
        defer { unlink(linkPath) }
        let archived = try? await ChildProcess.run(
            paths.managerBinary, ["wal-archive", partial], workingDirectory: paths.dataDirectory, timeout: .seconds(300),
            scratchDirectory: paths.temporaryDirectory)
        guard let archived, archived.succeeded else {
            let outcome = archived.map { "\($0.termination): \($0.error.trimmingCharacters(in: .whitespacesAndNewlines))" } ?? "not started"
            return .failure(.init(.errorWhileExecutingWALArchive, "wal-archive \(partial) failed: \(outcome)"))
        }
        logger.info("partial WAL file archived", metadata: ["walName": "\(partial)"])
        return .success(walFile)
    }
}
