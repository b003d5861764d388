import CNPGTestSupport
import Foundation

/// A clean `make test`: a fresh clone of the committed tree (with `shared/` beside it, as CI
/// has it) built and tested from nothing, the way `.ci/run` does it.
struct CleanTestBenchmark: Sendable {
    let log: @Sendable (String) -> Void

    func run() throws -> Double {
        let root = try TemporaryDirectory(prefix: "cnpg-clean-test")
        let clone = root.url.appendingPathComponent("main")
        defer { Self.removeBuildLocks(of: clone) }
        guard let git = ExternalTool.find("git"), let make = ExternalTool.find("make") else { throw BenchmarkFailure(description: "git and make are needed") }
        let cloned = try ExternalTool.run(git, ["clone", "-q", BuiltProducts.repositoryRoot.path, clone.path])
        guard cloned.status == 0 else { throw BenchmarkFailure(description: "git clone: \(cloned.error)") }
        try FileManager.default.createSymbolicLink(at: root.url.appendingPathComponent("shared"),
                                                   withDestinationURL: BuiltProducts.samples.deletingLastPathComponent())
        log("clean make test: running in \(clone.path) (about 10 minutes)")
        let started = Date()
        let result = try ExternalTool.run(make, ["-C", clone.path, "test"], timeout: 90 * 60)
        guard result.status == 0 else { throw BenchmarkFailure(description: "make test failed: \(result.output.suffix(2000)) \(result.error.suffix(1000))") }
        return Date().timeIntervalSince(started)
    }

    /// SwiftPM leaves lock files named after the build directory in /tmp (`/tmp/_tmp_cnpg-clean-test-…_main_.build.lock`).
    static func removeBuildLocks(of clone: URL) {
        let prefix = clone.path.replacingOccurrences(of: "/", with: "_")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [] where name.hasPrefix(prefix + "_") {
            try? FileManager.default.removeItem(atPath: "/tmp/" + name)
        }
    }
}
