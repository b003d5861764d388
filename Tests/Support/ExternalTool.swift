import CNPGCore
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
    /// daemon cannot hold anything of ours open; returns the exit status, within `timeout`.
    public static func runDetached(_ executable: URL, _ arguments: [String], timeout: TimeInterval = 120) throws -> Int32 {
        let child = try ChildProcess.spawn(executable.path, arguments, stdout: .discard, stderr: .discard)
        return reap(child, until: Date().addingTimeInterval(timeout))
    }

    /// Waits for `child` to end until `deadline`, then SIGKILLs it: its exit status, -1 when it was
    /// killed or signalled (or reaped elsewhere).
    @discardableResult
    public static func reap(_ child: ChildProcess, until deadline: Date) -> Int32 {
        while true {
            if let termination = child.poll() { return exitCode(termination) }
            if Date() > deadline {
                child.signal(SIGKILL)
                while child.poll() == nil { usleep(10_000) }
                return -1
            }
            usleep(10_000)
        }
    }

    static func exitCode(_ termination: ChildProcess.Termination) -> Int32 {
        if case .exited(let code) = termination { return code }
        return -1
    }

    /// Runs a command to completion within `timeout` (SIGKILL then). Started with posix_spawn, not
    /// Foundation's `Process`: Swift 6.3.1's `Process.run()` on Linux crashes now and then (an
    /// over-read while closing descriptors, swift-corelibs-foundation #5472), and its exit monitoring
    /// can wait forever on a child whose daemon holds its socket. Input and output go through files,
    /// so a daemon the command leaves behind cannot keep us waiting either.
    public static func run(_ executable: URL, _ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 120) throws -> Result {
        let scratch = try TemporaryDirectory(prefix: "cnpg-tool")
        let outputPath = scratch.url.appendingPathComponent("out").path
        let errorPath = scratch.url.appendingPathComponent("err").path
        let inputPath = try scratch.write("in", stdin ?? "")
        let input = open(inputPath, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw TestFailure("cannot open the standard input file of \(executable.lastPathComponent)") }
        let child: ChildProcess
        do {
            defer { close(input) }
            child = try ChildProcess.spawn(executable.path, arguments, stdin: input, stdout: .file(outputPath), stderr: .file(errorPath))
        }
        let status = reap(child, until: Date().addingTimeInterval(timeout))
        return Result(
            status: status,
            output: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            error: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
    }
}

/// A test precondition that failed (a tool missing, a process that did not start).
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
