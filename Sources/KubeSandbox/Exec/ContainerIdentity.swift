import Foundation

/// Who a running container's process is and what it sees, read from `/proc/PID`, so a command run
/// beside it (`kubectl exec`) gets the same user, group and environment.
struct ContainerIdentity: Equatable, Sendable {
    var uid: UInt32
    var gid: UInt32
    var environment: [String: String]

    static func read(processID: Int32) throws -> ContainerIdentity {
        let directory = "/proc/\(processID)"
        let status = try String(contentsOfFile: "\(directory)/status", encoding: .utf8)
        let environ = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/environ"))
        guard let identity = parse(status: status, environ: Array(environ)) else {
            throw ExecFailure("cannot read the identity of process \(processID)")
        }
        return identity
    }

    /// The effective ids of `/proc/PID/status` (`Uid:` real, effective, saved, fs) and the
    /// NUL-separated `KEY=VALUE` entries of `/proc/PID/environ`.
    static func parse(status: String, environ: [UInt8]) -> ContainerIdentity? {
        func effective(_ key: String) -> UInt32? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
            let fields = line.dropFirst(key.count + 1).split(whereSeparator: { $0 == "\t" || $0 == " " })
            return fields.count > 1 ? UInt32(fields[1]) : nil
        }
        guard let uid = effective("Uid"), let gid = effective("Gid") else { return nil }
        var environment: [String: String] = [:]
        for entry in environ.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { continue }
            environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return ContainerIdentity(uid: uid, gid: gid, environment: environment)
    }
}

struct ExecFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
