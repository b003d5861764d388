import CNPGCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// `PUT /update` (rules in `ManagerUpgrade`): receives a new manager binary, checks its SHA-256
/// against the operator's published hashes, installs it as `/controller/manager` and re-executes
/// this process from it. The pid stays, and so does PostgreSQL, a child the new image follows.
final class ManagerUpgrader: Sendable {
    let paths: InstancePaths
    let access: ClusterAccess
    let logger: Logger
    private let upgrading = Mutex(false)

    init(paths: InstancePaths, access: ClusterAccess, logger: Logger) {
        self.paths = paths
        self.access = access
        self.logger = logger
    }

    var isUpgrading: Bool { upgrading.withLock { $0 } }

    /// Returns only when the upgrade did not happen (the answer to send); on success this process
    /// image ends and the connection with it (CNPG's operator takes that as success).
    func upgrade(_ body: RequestBody) async -> (status: HTTPResponse.Status, message: String) {
        let started = upgrading.withLock { running in
            defer { running = true }
            return !running
        }
        guard started else { return (HTTPResponse.Status(code: 418), "an instance manager upgrade is already in progress") }
        let staging = paths.managerBinary + ".upgrade"
        defer {
            unlink(staging)
            upgrading.withLock { $0 = false }
        }
        let hash: String
        switch await receive(body, into: staging) {
        case .success(let received): hash = received
        case .failure(let failure): return (failure.status, failure.message)
        }
        let cluster: Cluster
        do {
            cluster = try await access.cluster()
        } catch {
            return (.serviceUnavailable, "cannot read the cluster to check the binary: \(error)")
        }
        if let refusal = ManagerUpgrade.refusal(hash: hash, architecture: ManagerUpgrade.currentArchitecture, cluster: cluster) {
            logger.warning("instance manager upgrade refused", metadata: ["reason": "\(refusal)"])
            return (.badRequest, refusal)
        }
        guard chmod(staging, 0o755) == 0, rename(staging, paths.managerBinary) == 0 else {
            return (.internalServerError, "cannot install the new instance manager: \(String(cString: strerror(errno)))")
        }
        logger.info("instance manager replaced: re-executing it, PostgreSQL keeps running", metadata: ["executableHash": "\(hash)"])
        let failure = Self.reexecute(paths.managerBinary)
        logger.error("cannot re-execute the new instance manager", metadata: ["error": "\(failure)"])
        return (.internalServerError, "cannot re-execute the new instance manager: \(failure)")
    }

    struct ReceiveFailure: Error {
        let status: HTTPResponse.Status
        let message: String
    }

    /// Writes the body to `path` (mode 0700) and returns its SHA-256.
    private func receive(_ body: RequestBody, into path: String) async -> Result<String, ReceiveFailure> {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o700)
        guard descriptor >= 0 else {
            return .failure(.init(status: .internalServerError, message: "cannot write \(path): \(String(cString: strerror(errno)))"))
        }
        defer { close(descriptor) }
        var stream = SHA256Stream()
        var total = 0
        do {
            for try await buffer in body {
                total += buffer.readableBytes
                guard total <= ManagerUpgrade.maximumBytes else {
                    return .failure(.init(status: .contentTooLarge, message: "the binary is larger than \(ManagerUpgrade.maximumBytes) bytes"))
                }
                let written = buffer.withUnsafeReadableBytes { bytes in
                    stream.update(bytes)
                    return Self.writeAll(descriptor, bytes)
                }
                guard written else {
                    return .failure(.init(status: .internalServerError, message: "cannot write \(path): \(String(cString: strerror(errno)))"))
                }
            }
        } catch {
            return .failure(.init(status: .badRequest, message: "the upload ended early: \(error)"))
        }
        guard total > 0 else { return .failure(.init(status: .badRequest, message: "the request has no binary")) }
        guard fsync(descriptor) == 0 else {
            return .failure(.init(status: .internalServerError, message: "cannot write \(path): \(String(cString: strerror(errno)))"))
        }
        return .success(stream.finalizeHex())
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }

    /// execv of `executable` with this process's arguments and environment, started as the pod
    /// started it: default signal handling (but SIGPIPE, which other threads may still raise) and an
    /// empty signal mask (the calling thread's would carry over, and a worker thread's blocks
    /// SIGTERM), no descriptor but 0-2 (the new image binds its ports again), except the log FIFOs'
    /// read ends: kept open, they let PostgreSQL's logging collector write on until the new image
    /// reads them. Returns only on failure, with the reason.
    static func reexecute(_ executable: String) -> String {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            guard let descriptor = Int32(entry), descriptor > 2 else { continue }
            var info = stat()
            if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFIFO { continue }
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
        for number in Int32(1)..<32 where ![SIGKILL, SIGSTOP, SIGPIPE].contains(number) {
            signal(number, SIG_DFL)
        }
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
        let arguments = [executable] + CommandLine.arguments.dropFirst()
        let argv = arguments.map { strdup($0) } + [nil]
        execv(executable, argv)
        let reason = String(cString: strerror(errno))
        for pointer in argv { free(pointer) }
        return reason
    }
}
