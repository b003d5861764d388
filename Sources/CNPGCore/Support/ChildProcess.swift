import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with posix_spawn and reaped by its own PID only (never `wait(-1)`), so
/// supervisors can run several children without stealing each other's exit statuses.
public struct ChildProcess: Sendable {
    public enum Output: Sendable, Equatable {
        case inherit
        case discard
        /// Appended to, created with mode 0600.
        case file(String)
        /// An open descriptor of ours (a pipe's end, a terminal), duplicated onto the child's.
        case descriptor(Int32)
    }

    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        public var succeeded: Bool { self == .exited(0) }
        public var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signaled(let signal): "killed by signal \(signal)"
            }
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let pid: pid_t
    public let executable: String
    /// How it ended, once reaped, shared by every copy: after that its pid may be another
    /// process's (pids are recycled), so nothing waits on it or signals it again.
    private let reaped = Reaped()

    private final class Reaped: Sendable {
        let termination = Mutex<Termination?>(nil)
    }

    /// A child this process already has (started before it re-executed itself, say), when `pid`
    /// is one: nil otherwise, so nothing else is ever waited on or signalled as ours.
    public init?(adopting pid: pid_t, executable: String) {
        guard pid > 0, Self.parent(of: pid) == getpid() else { return nil }
        self.pid = pid
        self.executable = executable
    }

    private init(spawned pid: pid_t, executable: String) {
        self.pid = pid
        self.executable = executable
    }

    /// The parent of a running process (from /proc/PID/stat), nil when there is no such process.
    public static func parent(of pid: pid_t) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return nil
        }
        // After "PID (comm)": state, then the parent's pid.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    /// Starts `executable` (an absolute path) with `arguments`. `environment` nil inherits ours.
    /// Standard input is /dev/null unless `stdin` names a descriptor. With `newProcessGroup` the child
    /// leads a group of its own, so `signalGroup` reaches whatever it forks too.
    public static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        workingDirectory: String? = nil, stdin: Int32? = nil, stdout: Output = .inherit, stderr: Output = .inherit,
        newProcessGroup: Bool = false
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        for (fd, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch output {
            case .inherit: break
            case .discard: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            case .descriptor(let source): posix_spawn_file_actions_adddup2(&actions, source, fd)
            }
        }
        // Only 0-2 cross over: a descriptor inherited by a long-lived child (a socket of the sandbox's
        // service proxy, of the status server) would keep that connection open after we close it.
        guard let addCloseFrom = Self.addCloseFrom else { throw Failure(description: "this C library cannot close a child's inherited descriptors") }
        guard addCloseFrom(&actions, 3) == 0 else { throw Failure(description: "cannot arrange to close a child's inherited descriptors") }
        if let workingDirectory {
            guard let addChdir = Self.addChdir else { throw Failure(description: "this C library cannot set a child's working directory") }
            guard addChdir(&actions, workingDirectory) == 0 else { throw Failure(description: "cannot set a child's working directory") }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Children start with default signal handling and an empty mask, whatever ours are.
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let environmentEntries = environment.map { $0.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in environmentEntries ?? [] { free(pointer) } }
        var pid: pid_t = 0
        let status: Int32
        if let environmentEntries {
            status = posix_spawn(&pid, executable, &actions, &attributes, argv, environmentEntries)
        } else {
            status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        }
        guard status == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        return ChildProcess(spawned: pid, executable: executable)
    }

    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    /// glibc (2.29+) has it, but its header hides it behind _GNU_SOURCE.
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    /// glibc 2.34+.
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// Signals the child, unless it was reaped already (its pid may be another process's by now).
    public func signal(_ signal: Int32) {
        reaped.termination.withLock { termination in
            if termination == nil { kill(pid, signal) }
        }
    }

    /// Signals the child's whole process group (it must have been spawned with `newProcessGroup`).
    /// Still safe once the leader is reaped: a pid is not recycled while a group carries it.
    public func signalGroup(_ signal: Int32) { kill(-pid, signal) }

    /// The termination if the child has ended (and reaps it), nil while it runs. Once reaped, the
    /// same answer every time. A child someone else reaped reads as `exited(-1)`.
    public func poll() -> Termination? {
        reaped.termination.withLock { termination in
            if let termination { return termination }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                termination = Self.termination(status)
            } else if result < 0, errno != EINTR {
                termination = .exited(-1)
            }
            return termination
        }
    }

    /// Waits for the child to end, checking every `interval`. Cancellation does not end the wait
    /// (a supervisor must still learn how its child ended), and does not make it spin.
    public func wait(interval: Duration = .milliseconds(50)) async -> Termination {
        while true {
            if let termination = poll() { return termination }
            await Self.pause(interval)
        }
    }

    /// A sleep that ignores the caller's cancellation.
    public static func pause(_ interval: Duration) async {
        if Task.isCancelled {
            await Task.detached { try? await Task.sleep(for: interval) }.value
        } else {
            try? await Task.sleep(for: interval)
        }
    }

    /// Waits at most `timeout`; nil if the child still runs.
    public func wait(timeout: Duration, interval: Duration = .milliseconds(50)) async -> Termination? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let termination = poll() { return termination }
            await Self.pause(interval)
        }
        return poll()
    }

    static func termination(_ status: Int32) -> Termination {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }
}

/// The outcome of a command run to completion.
public struct CommandResult: Sendable {
    public var termination: ChildProcess.Termination
    public var output: String
    public var error: String
    public var succeeded: Bool { termination.succeeded }
}

extension ChildProcess {
    /// Runs a command to completion within `timeout` (then SIGKILL). Output is collected through
    /// files in `scratchDirectory`, so a daemon the command leaves behind cannot hold it open.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        workingDirectory: String? = nil, timeout: Duration = .seconds(120),
        scratchDirectory: String = NSTemporaryDirectory()
    ) async throws -> CommandResult {
        let token = UUID().uuidString
        let outputPath = (scratchDirectory as NSString).appendingPathComponent("cmd-\(token).out")
        let errorPath = (scratchDirectory as NSString).appendingPathComponent("cmd-\(token).err")
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }
        let child = try spawn(
            executable, arguments, environment: environment, workingDirectory: workingDirectory,
            stdout: .file(outputPath), stderr: .file(errorPath))
        var termination = await child.wait(timeout: timeout)
        if termination == nil {
            child.signal(SIGKILL)
            termination = await child.wait()
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let error = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return CommandResult(termination: termination!, output: output, error: error)
    }
}
