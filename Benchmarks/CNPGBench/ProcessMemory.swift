import Foundation

/// Resident memory of processes, read from /proc (Linux): what each of our executables costs.
enum ProcessMemory {
    struct Usage {
        /// Current resident set, in MiB.
        var residentMiB: Double
        /// Peak resident set since the process started (VmHWM), in MiB.
        var peakMiB: Double
    }

    static func usage(of pid: pid_t) -> Usage? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func kibibytes(_ field: String) -> Double? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) }
        }
        guard let resident = kibibytes("VmRSS"), let peak = kibibytes("VmHWM") else { return nil }
        return Usage(residentMiB: resident / 1024, peakMiB: peak / 1024)
    }

    /// `root` and every process below it, by following each process's parent in /proc.
    static func descendants(of root: pid_t) -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let closing = stat.lastIndex(of: ")") else { continue }
            // After "pid (comm) state ppid": comm may hold spaces, so read after its closing parenthesis.
            let fields = stat[stat.index(after: closing)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { children[parent, default: []].append(pid) }
        }
        var found: [pid_t] = []
        var queue = [root]
        while let next = queue.popLast() {
            found.append(next)
            queue += children[next] ?? []
        }
        return found
    }

    /// The executable name of `pid` (from /proc/PID/exe), nil when it is gone.
    static func executableName(of pid: pid_t) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")).map { URL(fileURLWithPath: $0).lastPathComponent }
    }

    /// The processes below `root` that run one of `executables`.
    static func processes(named executables: Set<String>, below root: pid_t) -> [pid_t] {
        descendants(of: root).filter { executableName(of: $0).map(executables.contains) ?? false }
    }
}
