import CNPGCore
import Foundation

/// Where the PostgreSQL executables are, and their major version.
struct PostgresBinaries: Sendable {
    struct NotFound: Error, CustomStringConvertible {
        let description: String
    }

    let directory: String
    let majorVersion: Int

    func path(_ tool: String) -> String { directory + "/" + tool }

    /// The given directory, else the one of `postgres` on PATH, else the newest /usr/lib/postgresql/N/bin.
    static func locate(_ given: String?) async throws -> PostgresBinaries {
        var candidates: [String] = []
        if let given, !given.isEmpty {
            candidates.append(given)
        } else {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
            candidates += path.split(separator: ":").map(String.init)
            let root = "/usr/lib/postgresql"
            let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
            candidates += versions.map { "\(root)/\($0)/bin" }
        }
        guard let directory = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }) else {
            throw NotFound(
                description: "PostgreSQL executables (initdb, postgres, pg_ctl) not found in \(candidates.joined(separator: ", ")); set --pg-bin-dir")
        }
        let version = try await ChildProcess.run(directory + "/postgres", ["--version"], timeout: .seconds(20))
        // "postgres (PostgreSQL) 15.18 (Debian ...)"
        let words = version.output.split(separator: " ")
        guard version.succeeded, words.count >= 3, let major = Int(words[2].split(separator: ".").first ?? "") else {
            throw NotFound(description: "cannot read the PostgreSQL version from \(directory)/postgres --version: \(version.output)\(version.error)")
        }
        return PostgresBinaries(directory: directory, majorVersion: major)
    }
}
