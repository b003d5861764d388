import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

@Suite struct CRDTests {
    @Test func schemaIsDerivedFromTheCodableTypes() throws {
        let spec = try #require(SchemaDeriver.schema(for: Cluster.self).property("spec"))
        let instances = try #require(spec.property("instances"))
        #expect(instances.type == "integer")
        #expect(instances.minimum == 1)
        #expect(instances.defaultValue == .int(1))
        #expect(spec.property("postgresql")?.property("pg_hba")?.items.first?.type == "string")
        #expect(spec.property("resources")?.property("requests")?.additionalProperties.first?.intOrString == true)
        let synchronous = try #require(spec.property("postgresql")?.property("synchronous"))
        #expect(Set(synchronous.required) == ["method", "number"])
        #expect(synchronous.property("method")?.enumValues == [.string("any"), .string("first")])
        #expect(spec.property("monitoring")?.property("podMonitorRelabelings")?.items.first?.preserveUnknownFields == true)
        let status = try #require(SchemaDeriver.schema(for: Backup.self).property("status"))
        #expect(status.property("instanceID")?.property("ContainerID")?.type == "string")
    }

    /// Kubernetes requires structural schemas: every node typed, except int-or-string and free-form nodes.
    @Test func schemasAreStructural() {
        func check(_ schema: OpenAPISchema, path: String) -> [String] {
            var problems: [String] = []
            if schema.type == nil, !schema.intOrString, !schema.preserveUnknownFields { problems.append(path) }
            for (name, child) in schema.properties { problems += check(child, path: path + "." + name) }
            for item in schema.items { problems += check(item, path: path + "[]") }
            for value in schema.additionalProperties { problems += check(value, path: path + "{}") }
            return problems
        }
        for info in CRDGenerator.kinds {
            #expect(check(info.schema(), path: info.kind).isEmpty)
        }
    }

    /// Every default in a schema must itself be valid against that schema.
    @Test func defaultsAreValid() {
        func check(_ schema: OpenAPISchema, path: FieldPath) -> [FieldError] {
            var errors: [FieldError] = []
            if let value = schema.defaultValue { errors += SchemaValidator.validate(value, against: schema, at: path) }
            for (name, child) in schema.properties { errors += check(child, path: path.child(name)) }
            for item in schema.items { errors += check(item, path: path.index(0)) }
            return errors
        }
        for info in CRDGenerator.kinds {
            #expect(check(info.schema(), path: FieldPath(info.kind)).isEmpty)
        }
    }

    @Test func crdsDescribeTheKinds() throws {
        let crds = CRDGenerator.customResourceDefinitions()
        #expect(
            crds.compactMap { $0["metadata"]?["name"]?.stringValue } == [
                "clusters.postgresql.cnpg.io", "poolers.postgresql.cnpg.io", "backups.postgresql.cnpg.io", "scheduledbackups.postgresql.cnpg.io",
                "failoverquorums.postgresql.cnpg.io",
            ])
        let cluster = try #require(crds.first)
        guard case .array(let versions)? = cluster["spec"]?["versions"], let version = versions.first else {
            Issue.record("no versions")
            return
        }
        #expect(version["subresources"]?["scale"]?["specReplicasPath"] == .string(".spec.instances"))
        #expect(version["subresources"]?["scale"]?["labelSelectorPath"] == .string(".status.selector"))
        guard case .array(let columns)? = version["additionalPrinterColumns"] else {
            Issue.record("no columns")
            return
        }
        #expect(columns.compactMap { $0["name"]?.stringValue } == ["Age", "Instances", "Ready", "Status", "Primary", "SyncTopology"])
    }

    /// `manifests/crds.yaml` is the committed output of `cnpg-operator generate crds`; regenerate it when the types change.
    @Test func committedCRDsMatchTheTypes() throws {
        let committed = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("manifests/crds.yaml"), encoding: .utf8)
        let generated = ManifestValidator.render(CRDGenerator.customResourceDefinitions(), format: "yaml")
        #expect(committed == generated, "run `make generate` to regenerate manifests/crds.yaml and the chart files")
    }

    @Test func generatedCRDsPassKubernetesValidate() throws {
        let tool = try #require(ExternalTool.find("kubernetes-validate"), "kubernetes-validate is missing: run scripts/install-test-deps.sh")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("crds-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try ManifestValidator.render(CRDGenerator.customResourceDefinitions(), format: "yaml").write(to: file, atomically: true, encoding: .utf8)
        let result = try ExternalTool.run(tool, ["--strict", file.path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.components(separatedBy: "passed").count - 1 == CRDGenerator.kinds.count, "\(result.output)")
    }
}
