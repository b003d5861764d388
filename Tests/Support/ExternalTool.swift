import Foundation

/// Runs real external tools (validators, the built executables) from tests, with a time bound.
public enum ExternalTool {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var error: String
    }

    public static func find(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Starts a command that leaves a daemon behind (`pg_ctl start`): output goes to /dev/null so the
    /// daemon cannot hold our pipes open; returns the exit status, within `timeout`.
    public static func runDetached(_ executable: URL, _ arguments: [String], timeout: TimeInterval = 120) throws -> Int32 {
        // posix_spawn + waitpid: the child's fds 0-2 are /dev/null and it inherits none of ours.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        return reap(pid, until: Date().addingTimeInterval(timeout)) ?? -1
    }

    /// Waits for `pid` (a child spawned without Foundation) with waitpid until `deadline`, then
    /// SIGKILLs it: its exit status, -1 when killed or signalled, nil when it was not ours to reap.
    static func reap(_ pid: pid_t, until deadline: Date) -> Int32? {
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1 }
            if reaped == -1 { return nil }
            if Date() > deadline {
                kill(pid, SIGKILL)
                return waitpid(pid, &status, 0) == pid ? -1 : nil
            }
            usleep(20_000)
        }
    }

    /// A Foundation `Process`'s exit status by `deadline` (SIGKILL then). Foundation records the exit
    /// itself, except when a daemon the child left behind keeps its monitoring socket open: then
    /// the child stays a zombie Foundation never reaps (`waitUntilExit` would wait forever), and it
    /// is reaped here. Only a zombie is reaped: its pid cannot have been reused by another child.
    static func exitStatus(of process: Process, until deadline: Date) -> Int32 {
        let pid = process.processIdentifier
        func settled(by limit: Date) -> Bool {
            while process.isRunning, !isZombie(pid), Date() < limit { usleep(10_000) }
            return !process.isRunning || isZombie(pid)
        }
        if !settled(by: deadline) {
            kill(pid, SIGKILL)
            _ = settled(by: Date().addingTimeInterval(5))
        }
        // A zombie Foundation normally reaps at once; one still there a second later is ours to reap.
        let grace = Date().addingTimeInterval(1)
        while process.isRunning, Date() < grace { usleep(10_000) }
        if process.isRunning, isZombie(pid) {
            var status: Int32 = 0
            if waitpid(pid, &status, 0) == pid { return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1 }
        }
        let until = Date().addingTimeInterval(5)
        while process.isRunning, Date() < until { usleep(10_000) }
        return process.isRunning ? -1 : process.terminationStatus
    }

    /// Whether `pid` is a zombie child of this process (state `Z` in /proc/PID/stat, parent us).
    static func isZombie(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 && fields[0] == "Z" && Int32(fields[1]) == getpid()
    }

    public static func run(_ executable: URL, _ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 120) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        let outData = LockedData()
        let errData = LockedData()
        let group = DispatchGroup()
        for (pipe, sink) in [(out, outData), (err, errData)] {
            group.enter()
            DispatchQueue.global().async {
                sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
                group.leave()
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            _ = group.wait(timeout: .now() + 5)
        }
        // Not Process.waitUntilExit: on Linux it once missed a child's exit and waited forever
        // (a CI run hung on a zombie bash); waitpid with a deadline cannot.
        let status = exitStatus(of: process, until: max(deadline, Date()).addingTimeInterval(5))
        return Result(
            status: status,
            output: String(decoding: outData.get(), as: UTF8.self),
            error: String(decoding: errData.get(), as: UTF8.self))
    }

    private final class LockedData: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(_ value: Data) {
            lock.lock()
            data = value
            lock.unlock()
        }
        func get() -> Data {
            lock.lock()
            defer { lock.unlock() }
            return data
        }
    }
}

/// A test precondition that failed (a tool missing, a process that did not start).
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
