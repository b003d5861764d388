import CNPGTestSupport
import Foundation
import Testing

/// `make lint` runs `scripts/security-scan.sh` (hadolint and checkov, offline) over the
/// Containerfiles, the chart and the manifests generated for every sample. This proves the gate
/// can fail: deliberately weakened fixtures are refused with the findings named, the project's own
/// Containerfiles pass the same scanners, and every skipped check is justified in docs/images.md.
@Suite struct ScannerGateTests {
    static let root = BuiltProducts.repositoryRoot

    static func scan(_ arguments: [String]) throws -> ExternalTool.Result {
        try ExternalTool.run(
            root.appendingPathComponent("scripts/security-scan.sh"), arguments.map { $0.hasPrefix("-") ? $0 : root.appendingPathComponent($0).path },
            timeout: 600)
    }

    @Test("the security scan refuses a weakened Containerfile and a weakened pod, naming each finding")
    func weakenedFilesFail() throws {
        let result = try Self.scan([
            "--containerfile", "scanners/fixtures/weakened.Containerfile", "--manifest", "scanners/fixtures/weakened-pod.yaml",
        ])
        #expect(result.status == 1, "\(result.output) \(result.error)")
        for finding in ["DL3007", "DL3008", "DL3002", "CKV_DOCKER_7", "CKV_DOCKER_8", "CKV_K8S_16", "CKV_K8S_20", "CKV_K8S_22"] {
            #expect(result.output.contains(finding), "\(finding) missing from: \(result.output)")
        }
        #expect(result.output.contains("security scan: FAILED"))
    }

    @Test("the project's Containerfiles pass hadolint and checkov")
    func containerfilesPass() throws {
        let result = try Self.scan([
            "--containerfile", "images/operator/Containerfile", "--containerfile", "images/postgresql/Containerfile",
        ])
        #expect(result.status == 0, "\(result.output) \(result.error)")
        #expect(result.output.contains("hadolint images/operator/Containerfile: no finding"))
        #expect(result.output.contains("checkov (containerfile): Passed checks: "))
    }

    @Test("every skipped checkov check is listed with its reason in docs/images.md")
    func skipsAreDocumented() throws {
        let skips = try String(contentsOf: Self.root.appendingPathComponent("scanners/checkov-skips.txt"), encoding: .utf8)
        let documentation = try String(contentsOf: Self.root.appendingPathComponent("docs/images.md"), encoding: .utf8)
        let entries = skips.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ", maxSplits: 2).map(String.init) }
        #expect(entries.count >= 10)
        for entry in entries {
            #expect(entry.count == 3, "scope, check and reason: \(entry)")
            #expect(documentation.contains("| `\(entry[0])` | `\(entry[1])` |"), "docs/images.md has no row for \(entry[0]) \(entry[1])")
        }
    }
}
