import CNPGTestSupport
import Foundation
import Testing

/// `make lint` (run by `make test`) holds the sources to `.swift-format`; this proves the gate can
/// fail: the toolchain's `swift format lint --strict` with that configuration refuses a badly
/// formatted file and accepts the same code formatted, and the tree itself passes.
@Suite struct FormatLintTests {
    static func lint(_ arguments: [String]) throws -> ExternalTool.Result {
        guard let swift = ExternalTool.find("swift") else { throw TestFailure("swift is not on PATH") }
        let configuration = BuiltProducts.repositoryRoot.appendingPathComponent(".swift-format").path
        return try ExternalTool.run(swift, ["format", "lint", "--strict", "--configuration", configuration] + arguments, timeout: 300)
    }

    @Test("swift format lint refuses a misformatted file, accepts it formatted, and passes on Sources and Tests")
    func lintGate() throws {
        let directory = try TemporaryDirectory(prefix: "cnpg-lint")
        let bad = directory.url.appendingPathComponent("Bad.swift")
        try "enum Probe {\n  static let value = 1;\n    static func twice() -> Int { value*2 }\n}\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try Self.lint([bad.path])
        #expect(refused.status != 0 && refused.error.contains("[Indentation]") && refused.error.contains("[DoNotUseSemicolons]"), "\(refused.error)")
        let good = directory.url.appendingPathComponent("Good.swift")
        try "enum Probe {\n    static let value = 1\n    static func twice() -> Int { value * 2 }\n}\n".write(to: good, atomically: true, encoding: .utf8)
        let accepted = try Self.lint([good.path])
        #expect(accepted.status == 0, "\(accepted.error)")
        let root = BuiltProducts.repositoryRoot
        let tree = try Self.lint(["--parallel", "-r", root.appendingPathComponent("Sources").path, root.appendingPathComponent("Tests").path])
        #expect(tree.status == 0, "\(tree.error.prefix(2000))")
    }
}
