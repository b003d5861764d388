import CNPGCore
import Foundation

/// The query of `pods/NAME/exec` (`command` repeated once per argument), checked as the API server does.
struct PodExecOptions: Equatable, Sendable {
    var command: [String]
    var container: String?
    var stdin: Bool
    var stdout: Bool
    var stderr: Bool
    var tty: Bool

    init(query: [String: [String]]) throws(StatusError) {
        func flag(_ name: String) -> Bool { ["true", "1"].contains(query[name]?.last ?? "") }
        command = query["command"] ?? []
        container = query["container"]?.last.flatMap { $0.isEmpty ? nil : $0 }
        stdin = flag("stdin")
        stdout = flag("stdout")
        stderr = flag("stderr")
        tty = flag("tty")
        guard !command.isEmpty else { throw StatusError.badRequest("you must specify at least 1 command") }
        guard stdin || stdout || stderr else { throw StatusError.badRequest("you must specify at least one of stdin, stdout, stderr") }
        if tty, stderr { throw StatusError.badRequest("stderr cannot be requested with tty") }
    }

    /// `a=1&command=ls&command=-l` -> ["a": ["1"], "command": ["ls", "-l"]], percent-decoded (`+` is a space).
    static func parseQuery(_ raw: Substring) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for pair in raw.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            result[decode(parts[0]), default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return result
    }
}
