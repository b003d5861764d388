import Foundation

/// Where the repository, the shared samples and the built executables are, for tests that run them.
public enum BuiltProducts {
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let samples = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/samples")

    public struct Missing: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "\(name) is not built: run `swift build` (or `make test`) first" }
    }

    /// A built executable; `CNPG_BIN_DIR` (set by the Makefile) wins over `.build/debug`.
    public static func executable(_ name: String) throws -> URL {
        let directory = ProcessInfo.processInfo.environment["CNPG_BIN_DIR"] ?? repositoryRoot.appendingPathComponent(".build/debug").path
        let binary = URL(fileURLWithPath: directory).appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw Missing(name: name) }
        return binary
    }

    public static func run(_ name: String, _ arguments: [String], stdin: String? = nil) throws -> ExternalTool.Result {
        try ExternalTool.run(try executable(name), arguments, stdin: stdin)
    }

    public static func temporaryFile(_ contents: String, suffix: String = ".yaml") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cnpg-test-\(UUID().uuidString)\(suffix)")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
