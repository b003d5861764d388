import CNPGCore
import Foundation
import Logging

/// The PostgreSQL server process this manager supervises: started directly as a child (as CNPG's
/// `instance run` does), stopped and reloaded through `pg_ctl`.
actor Postmaster {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    enum ShutdownMode: String, Sendable {
        case smart, fast, immediate
    }

    let binaries: PostgresBinaries
    let paths: InstancePaths
    let logger: Logger
    private(set) var child: ChildProcess?
    /// Set while the manager itself stops the server, so its exit is not a crash.
    private(set) var stopping = false
    /// Set during an in-place restart; the supervisor waits for it instead of treating the stop as the end.
    private var restarting = false
    /// Set while the instance is fenced: PostgreSQL stays stopped, the manager and the pod stay.
    private(set) var isFenced = false
    /// When the fence was last lifted: the pod takes a while to turn ready again.
    private var unfencedAt: ContinuousClock.Instant?
    /// Unfenced, not accepting connections yet: might be unavailable until `beginUnfenceGrace`.
    private var awaitingUnfenceGrace = false
    /// How long after unfencing the instance still says it might be unavailable (CNPG waits 2 × 10 s).
    static let unfenceGrace: Duration = .seconds(20)
    private var restartWaiters: [CheckedContinuation<Bool, Never>] = []

    init(binaries: PostgresBinaries, paths: InstancePaths, logger: Logger) {
        self.binaries = binaries
        self.paths = paths
        self.logger = logger
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PGDATA"] = paths.dataDirectory
        environment["TMPDIR"] = paths.temporaryDirectory
        return environment
    }

    /// Starts `postgres -D PGDATA`, after removing a stale pid file left by a crash.
    func start(extraArguments: [String] = []) throws {
        guard child == nil else { return }
        removeStalePidFile()
        stopping = false
        child = try ChildProcess.spawn(
            binaries.path("postgres"), ["-D", paths.dataDirectory] + extraArguments,
            environment: environment)
        logger.info("postmaster started", metadata: ["pid": "\(child!.pid)"])
    }

    /// The supervisor's first step: follow the postmaster this process started before it
    /// re-executed itself (an online upgrade of the manager), else stay down while fenced (a
    /// fenced instance must not take a single write), else start one.
    func begin(fenced: Bool) throws {
        guard child == nil else { return }
        if let running = runningChild() {
            child = running
            logger.info("following the running postmaster (the instance manager was upgraded in place)", metadata: ["pid": "\(running.pid)"])
            return
        }
        if fenced {
            isFenced = true
            logger.info("instance fenced: PostgreSQL not started")
            return
        }
        try start()
    }

    /// The postmaster named by postmaster.pid, when it is this process's own child.
    private func runningChild() -> ChildProcess? {
        guard let text = try? String(contentsOfFile: paths.dataFile("postmaster.pid"), encoding: .utf8),
            let pid = Int32(text.split(separator: "\n").first ?? "")
        else { return nil }
        return ChildProcess(adopting: pid, executable: binaries.path("postgres"))
    }

    /// Waits for the running postmaster to exit and returns how it ended.
    func waitForExit() async -> ChildProcess.Termination? {
        guard let child else { return nil }
        let termination = await child.wait()
        if self.child?.pid == child.pid { self.child = nil }
        return termination
    }

    var isRunning: Bool { child != nil }
    var wasStoppedOnPurpose: Bool { stopping }

    /// `pg_ctl stop -m MODE -w [-t TIMEOUT]`; true when the server stopped.
    func stop(_ mode: ShutdownMode, timeoutSeconds: Int? = nil) async -> Bool {
        guard child != nil else { return true }
        stopping = true
        var arguments = ["-m", mode.rawValue, "stop", "-w"]
        if let timeoutSeconds { arguments += ["-t", String(timeoutSeconds)] }
        let result = try? await pgCtl(arguments, timeoutSeconds: (timeoutSeconds ?? 60) + 30)
        var metadata: Logger.Metadata = ["mode": "\(mode.rawValue)", "result": "\(result?.termination.description ?? "not run")"]
        if let result, !result.succeeded { metadata["error"] = "\(result.error.trimmingCharacters(in: .whitespacesAndNewlines))" }
        logger.info("pg_ctl stop", metadata: metadata)
        return result?.succeeded ?? false
    }

    /// When pg_ctl cannot stop the server (its data directory is gone, say), signal the postmaster
    /// directly: SIGQUIT (immediate shutdown), then SIGKILL.
    func signalStop(graceSeconds: Int = 10) async {
        guard let child else { return }
        stopping = true
        child.signal(SIGQUIT)
        if await child.wait(timeout: .seconds(Int64(graceSeconds))) == nil {
            child.signal(SIGKILL)
            _ = await child.wait()
        }
        logger.warning("postmaster stopped by signal after pg_ctl failed", metadata: ["pid": "\(child.pid)"])
        if self.child?.pid == child.pid { self.child = nil }
    }

    /// CNPG's Smart→Fast: smart within smartShutdownTimeout (skipped when stopDelay is not longer),
    /// then fast within stopDelay, then immediate as the last resort.
    func shutdownSmartFast(smartShutdownTimeout: Int, stopDelay: Int) async {
        if stopDelay > smartShutdownTimeout, await stop(.smart, timeoutSeconds: smartShutdownTimeout) { return }
        if await stop(.fast, timeoutSeconds: stopDelay) { return }
        if await stop(.immediate) { return }
        await signalStop()
    }

    /// CNPG's in-place restart of a primary: Smart→Fast stop, then a new server in the same pod.
    /// The old server is gone (reaped) before the new one starts, so `pg_ctl stop` never mistakes
    /// the new server's pid file for the old one's.
    func restartInPlace(smartShutdownTimeout: Int, stopDelay: Int) async throws {
        guard let old = child, !restarting else { return }
        restarting = true
        var started = false
        defer {
            restarting = false
            for waiter in restartWaiters { waiter.resume(returning: started) }
            restartWaiters = []
        }
        await shutdownSmartFast(smartShutdownTimeout: smartShutdownTimeout, stopDelay: stopDelay)
        _ = await old.wait()
        if child?.pid == old.pid { child = nil }
        try start()
        started = true
    }

    /// After the server exited: when an in-place restart is under way or the instance is fenced,
    /// waits until a new server runs (true) or the wait is abandoned (false); false otherwise.
    func awaitRestart() async -> Bool {
        if child != nil { return true }
        guard restarting || isFenced else { return false }
        return await withCheckedContinuation { restartWaiters.append($0) }
    }

    /// CNPG's `mightBeUnavailable`: fenced, restarting in place, or just unfenced. The operator
    /// never fails over an instance that says so.
    var mightBeUnavailable: Bool {
        isFenced || restarting || awaitingUnfenceGrace || unfencedAt.map { ContinuousClock.now - $0 < Self.unfenceGrace } ?? false
    }

    /// Ends every wait for a new server (graceful shutdown while fenced).
    func abandonRestartWaits() {
        for waiter in restartWaiters { waiter.resume(returning: false) }
        restartWaiters = []
    }

    /// CNPG's fencing: Fast→Immediate within switchoverDelay; PostgreSQL stays down until unfenced.
    func fence(timeoutSeconds: Int) async {
        guard !isFenced else { return }
        isFenced = true
        logger.info("instance fenced: stopping PostgreSQL")
        await shutdownFastImmediate(timeoutSeconds: timeoutSeconds)
    }

    /// The fence is lifted: start PostgreSQL again; the supervisor follows the new server.
    func unfence() throws {
        guard isFenced else { return }
        if child == nil { try start() }
        isFenced = false
        awaitingUnfenceGrace = true
        logger.info("instance unfenced: PostgreSQL started")
        for waiter in restartWaiters { waiter.resume(returning: true) }
        restartWaiters = []
    }

    /// The unfenced server accepts connections: the grace (time for the kubelet's readiness
    /// probe to see it) starts now, not when the server was spawned, however long it took to start.
    func beginUnfenceGrace() {
        guard awaitingUnfenceGrace else { return }
        awaitingUnfenceGrace = false
        unfencedAt = .now
    }

    /// CNPG's Fast→Immediate (demotion, fencing).
    func shutdownFastImmediate(timeoutSeconds: Int) async {
        if await stop(.fast, timeoutSeconds: timeoutSeconds) { return }
        if await stop(.immediate) { return }
        await signalStop()
    }

    func reload() async throws {
        let result = try await pgCtl(["reload"], timeoutSeconds: 30)
        guard result.succeeded else { throw Failure(description: "pg_ctl reload failed: \(result.error)") }
    }

    func promote(timeoutSeconds: Int = 60) async throws {
        let result = try await pgCtl(["-w", "promote", "-t", String(timeoutSeconds)], timeoutSeconds: timeoutSeconds + 30)
        guard result.succeeded else { throw Failure(description: "pg_ctl promote failed: \(result.error)") }
    }

    /// `pg_controldata -D PGDATA`: its output, or nil with the reason when it failed.
    func controldata() async -> Result<String, Failure> {
        do {
            let result = try await ChildProcess.run(
                binaries.path("pg_controldata"), ["-D", paths.dataDirectory], timeout: .seconds(20), scratchDirectory: paths.temporaryDirectory)
            return result.succeeded ? .success(result.output) : .failure(Failure(description: "pg_controldata failed: \(result.error)"))
        } catch {
            return .failure(Failure(description: "pg_controldata failed: \(error)"))
        }
    }

    /// `pg_ctl -D PGDATA ARGUMENTS`, killed after `timeoutSeconds`.
    private func pgCtl(_ arguments: [String], timeoutSeconds: Int) async throws -> CommandResult {
        try await ChildProcess.run(
            binaries.path("pg_ctl"), ["-D", paths.dataDirectory] + arguments, environment: environment,
            timeout: .seconds(timeoutSeconds), scratchDirectory: paths.temporaryDirectory)
    }

    /// A pid file whose process is gone (a crash or a SIGKILLed pod) would stop postgres from starting.
    func removeStalePidFile() {
        let pidFile = paths.dataFile("postmaster.pid")
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = Int32(text.split(separator: "\n").first ?? "")
        else { return }
        if kill(pid, 0) == 0 || errno == EPERM {
            logger.warning("postmaster.pid names a live process; leaving it", metadata: ["pid": "\(pid)"])
            return
        }
        unlink(pidFile)
        logger.info("removed a stale postmaster.pid", metadata: ["pid": "\(pid)"])
    }
}
