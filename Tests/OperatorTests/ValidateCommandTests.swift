import CNPGTestSupport
import Foundation
import Testing

/// Runs the real `cnpg-operator` executable, as a user would.
enum OperatorBinary {
    static let repositoryRoot = BuiltProducts.repositoryRoot
    static let samples = BuiltProducts.samples

    static func run(_ arguments: [String], stdin: String? = nil) throws -> ExternalTool.Result {
        try BuiltProducts.run("cnpg-operator", arguments, stdin: stdin)
    }

    static func temporaryFile(_ contents: String) throws -> URL {
        try BuiltProducts.temporaryFile(contents)
    }
}

@Suite struct ValidateCommandTests {
    @Test func everySampleIsValidAndOtherKindsAreSkipped() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: OperatorBinary.samples.path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { OperatorBinary.samples.appendingPathComponent($0).path }
        let result = try OperatorBinary.run(["validate"] + files)
        #expect(result.status == 0, "\(result.output)\(result.error)")
        let lines = result.output.split(separator: "\n").filter { !$0.hasPrefix(" ") }
        let valid = lines.filter { $0.hasSuffix(": valid") }
        let skipped = lines.filter { $0.hasSuffix("skipped (not a postgresql.cnpg.io kind)") }
        #expect(valid.count == 17)
        #expect(skipped.count == 10)
        #expect(valid.count + skipped.count == lines.count)
        #expect(lines.contains { $0.hasSuffix("cluster-example.yaml: Cluster/cluster-example: valid") })
        #expect(lines.contains { $0.hasSuffix("networkpolicy-example.yaml: NetworkPolicy/allow-operator: skipped (not a postgresql.cnpg.io kind)") })
    }

    @Test func invalidDocumentsExitOneWithOneLinePerError() throws {
        let file = try OperatorBinary.temporaryFile(
            """
            apiVersion: postgresql.cnpg.io/v1
            kind: Cluster
            metadata:
              name: broken
            spec:
              instances: 0
              colour: blue
              postgresql:
                parameters:
                  port: "5433"
            ---
            apiVersion: postgresql.cnpg.io/v1
            kind: Backup
            metadata:
              name: fine
            spec:
              cluster:
                name: broken
            """)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try OperatorBinary.run(["validate", file.path])
        #expect(result.status == 1)
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(file.path): Cluster/broken: invalid"))
        #expect(lines.contains("  - spec.instances: Invalid value: 0: should be greater than or equal to 1"))
        #expect(lines.contains("  - spec.storage.size: Required value: the storage size is required (here or in pvcTemplate.resources.requests.storage)"))
        #expect(lines.contains("  - spec.postgresql.parameters[port]: Forbidden: Can't set fixed configuration parameter"))
        #expect(lines.contains("  warning: spec.colour: unknown field"))
        #expect(lines.contains("\(file.path): Backup/fine: valid"))
    }

    @Test func unparsableInputExitsTwoWithTheLine() throws {
        let file = try OperatorBinary.temporaryFile("apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: [unclosed\n")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try OperatorBinary.run(["validate", file.path])
        #expect(result.status == 2)
        #expect(result.output.contains("\(file.path): cannot parse: line "), "\(result.output)")

        let missing = try OperatorBinary.run(["validate", "/nonexistent/cluster.yaml"])
        #expect(missing.status == 2)
        #expect(missing.output.contains("/nonexistent/cluster.yaml: cannot read"))
    }

    @Test func readsStandardInputAndPrintsDefaultedObjects() throws {
        let manifest = "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: piped}\nspec: {instances: 3, storage: {size: 1Gi}}\n"
        let result = try OperatorBinary.run(["validate", "--defaulted", "-o", "json", "-"], stdin: manifest)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.error.contains("<stdin>: Cluster/piped: valid"))
        let data = Data(result.output.utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let spec = try #require(object["spec"] as? [String: Any])
        #expect(spec["imageName"] as? String == "ghcr.io/cloudnative-pg/postgresql:18.6-system-trixie")
        #expect(spec["postgresUID"] as? Int == 26)
        #expect((spec["bootstrap"] as? [String: Any])?["initdb"] != nil)

        let yaml = try OperatorBinary.run(["validate", "--defaulted", "-"], stdin: manifest)
        #expect(yaml.output.contains("primaryUpdateStrategy: unsupervised"))
        #expect(yaml.output.contains("  logLevel: info"))
    }

    @Test func defaultedOutputIsAcceptedByValidateAgain() throws {
        let first = try OperatorBinary.run(["validate", "--defaulted", OperatorBinary.samples.appendingPathComponent("cluster-example-full.yaml").path])
        #expect(first.status == 0)
        let second = try OperatorBinary.run(["validate", "-"], stdin: first.output)
        #expect(second.status == 0, "\(second.output)")
        #expect(second.output.contains("<stdin>: Cluster/cluster-example-full: valid"))
    }

    @Test func generateCRDsMatchesTheCommittedFile() throws {
        let result = try OperatorBinary.run(["generate", "crds"])
        #expect(result.status == 0)
        let committed = try String(contentsOf: OperatorBinary.repositoryRoot.appendingPathComponent("manifests/crds.yaml"), encoding: .utf8)
        #expect(result.output == committed)
    }

    @Test func helpDescribesTheCommands() throws {
        let help = try OperatorBinary.run(["validate", "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("--defaulted"))
        #expect(help.output.contains("Exit status"))
        let bad = try OperatorBinary.run(["validate"])
        #expect(bad.status != 0)
    }
}

@Suite struct GenerateRBACTests {
    @Test func printsTheOperatorClusterRole() throws {
        let result = try BuiltProducts.run("cnpg-operator", ["generate", "rbac"])
        #expect(result.status == 0)
        #expect(result.output.hasPrefix("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"))
        #expect(result.output.contains("name: cnpg-manager"))
        #expect(result.output.contains("- validatingwebhookconfigurations"))
    }
}

@Suite struct GenerateManifestsCommandTests {
    @Test func printsObjectsForAValidClusterAndRefusesAnInvalidOne() throws {
        let result = try BuiltProducts.run(
            "cnpg-operator", ["generate", "manifests", "-f", BuiltProducts.samples.appendingPathComponent("cluster-example.yaml").path, "-n", "demo"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("kind: Pod"))
        #expect(result.output.contains("namespace: demo"))
        #expect(result.output.contains("kind: Lease"), "the primary Lease is one of the generated objects")
        #expect(result.output.components(separatedBy: "\n---\n").count == 22)
        let bad = try BuiltProducts.run(
            "cnpg-operator", ["generate", "manifests", "-f", "-"],
            stdin: "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: x}\nspec: {instances: 1}\n")
        #expect(bad.status == 1)
        #expect(bad.error.contains("spec.storage.size: Required value"))
        #expect(bad.output.isEmpty)
    }
}
