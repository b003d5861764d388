import CNPGTestSupport
import Foundation
import Testing

/// docs/quickstart.md runs as written: its `sh` blocks, in order, in one bash with `set -euo
/// pipefail`, from the repository root. The only change is where the demo lives (a temporary
/// directory instead of `.demo`, and its own address block), so a developer's demo is left alone.
/// `shell` blocks (a real Kubernetes cluster) are not run.
@Suite("Quickstart", .serialized)
struct QuickstartTests {
    static func shellBlocks(of markdown: String) -> [String] {
        var blocks: [String] = []
        var current: [String]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```sh" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current!.append(String(line))
            }
        }
        return blocks
    }

    @Test("the quickstart's commands run as written: demo, status, connect, psql, switchover, pooler, demo-down")
    func quickstartRunsAsWritten() throws {
        guard let env = ExternalTool.find("env"), let bash = ExternalTool.find("bash") else { throw TestFailure("env and bash are needed") }
        let root = BuiltProducts.repositoryRoot
        let markdown = try String(contentsOf: root.appendingPathComponent("docs/quickstart.md"), encoding: .utf8)
        let blocks = Self.shellBlocks(of: markdown)
        #expect(blocks.first == "make demo" && blocks.last == "make demo-down", "\(blocks)")
        let directory = try TemporaryDirectory()
        let demo = directory.url.appendingPathComponent("demo").path
        let script = (["set -euo pipefail", "cd '\(root.path)'"] + blocks).joined(separator: "\n")
            .replacingOccurrences(of: "$PWD/.demo", with: demo)
        let binaries = try BuiltProducts.executable("cnpg-operator").deletingLastPathComponent().path
        // PGCONNECT_TIMEOUT: a psql of the quickstart cannot wait forever on a connection.
        let environment = [
            "CNPG_DEMO_DIR=\(demo)", "CNPG_DEMO_ADDRESS_BLOCK=\(Int.random(in: 40...60) * 2)", "CNPG_BIN_DIR=\(binaries)", "PGCONNECT_TIMEOUT=20",
        ]
        defer {
            // Whatever happened, nothing of the demo stays running.
            _ = try? ExternalTool.run(env, environment + [root.appendingPathComponent("scripts/demo-down.sh").path], timeout: 120)
        }
        let result = try ExternalTool.run(env, environment + [bash.path, "-c", script], timeout: 900)
        #expect(result.status == 0, "\(result.output.suffix(3000))\n\(result.error.suffix(3000))")
        for expected in [
            "3/3 ready - Cluster in healthy state", "Cluster Summary", "Node cluster-example-2 in cluster cluster-example will be promoted",
            "stopped sandbox",
        ] {
            #expect(result.output.contains(expected), "\(expected) missing from:\n\(result.output.suffix(3000))")
        }
        // The row written before the switchover is read after it, and through the pooler.
        #expect(result.output.components(separatedBy: "\nhello\n").count - 1 == 2, "\(result.output.suffix(3000))")
        #expect(!FileManager.default.fileExists(atPath: demo), "demo-down removes the demo directory")
    }
}
