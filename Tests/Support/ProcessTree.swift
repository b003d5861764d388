import Foundation

/// Processes by parentage, from /proc: what a test stops or resumes to imitate a hung node.
public enum ProcessTree {
    /// `root` and every process descended from it.
    public static func members(of root: pid_t) -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (comm)": state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, let parent = pid_t(fields[1]) else { continue }
            children[parent, default: []].append(pid)
        }
        var found: [pid_t] = [root]
        var index = 0
        while index < found.count {
            found += children[found[index]] ?? []
            index += 1
        }
        return found
    }

    /// Sends `signal` to `root` and its descendants (SIGSTOP, SIGCONT); returns how many got it.
    @discardableResult
    public static func signal(_ signal: Int32, tree root: pid_t) -> Int {
        members(of: root).filter { kill($0, signal) == 0 }.count
    }
}
