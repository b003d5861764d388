import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// `make sbom` turns `swift package show-dependencies --format json` into a CycloneDX 1.5 SBOM
/// (scripts/sbom.py, checked against the CycloneDX schema). Here on a small graph of checkouts
/// made for the test: versions, package URLs, licences read from the LICENSE files, the graph's
/// edges; a package whose licence cannot be told is refused by name.
@Suite struct SBOMTests {
    static func generate(_ graph: String, in directory: URL) throws -> ExternalTool.Result {
        let file = directory.appendingPathComponent("graph.json")
        try graph.write(to: file, atomically: true, encoding: .utf8)
        let root = BuiltProducts.repositoryRoot
        let tools = try ExternalTool.run(root.appendingPathComponent("scripts/install-scanners.sh"), [], timeout: 600)
        let python = URL(fileURLWithPath: tools.output.trimmingCharacters(in: .whitespacesAndNewlines)).appendingPathComponent("python")
        return try ExternalTool.run(python, [root.appendingPathComponent("scripts/sbom.py").path, file.path])
    }

    @Test("a CycloneDX SBOM with versions, purls, licences and edges; an unknown licence is refused by name")
    func sbomFromGraph() throws {
        let directory = try TemporaryDirectory(prefix: "cnpg-sbom")
        let apache = directory.url.appendingPathComponent("swift-widgets")
        let mit = directory.url.appendingPathComponent("Gadgets")
        for folder in [apache, mit] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        try "Apache License\nVersion 2.0, January 2004\n\n## Runtime Library Exception to the Apache 2.0 License: ##\n"
            .write(to: apache.appendingPathComponent("LICENSE.txt"), atomically: true, encoding: .utf8)
        try "Some terms of our own.\n".write(to: mit.appendingPathComponent("LICENSE"), atomically: true, encoding: .utf8)
        let graph = """
            {"identity": "app", "name": "app", "url": "/src/app", "version": "unspecified", "path": "/src/app", "dependencies": [
              {"identity": "swift-widgets", "name": "swift-widgets", "url": "https://github.com/example/swift-widgets", "version": "1.2.3",
               "path": "\(apache.path)", "dependencies": [
                 {"identity": "gadgets", "name": "Gadgets", "url": "https://github.com/example/Gadgets.git", "version": "0.9.0",
                  "path": "\(mit.path)", "dependencies": []}]}]}
            """
        let refused = try Self.generate(graph, in: directory.url)
        #expect(refused.status == 1 && refused.error.contains("gadgets: cannot tell the licence"), "\(refused.error)")
        #expect(refused.output.isEmpty)

        try "MIT License\n\nPermission is hereby granted, free of charge, to any person\n"
            .write(to: mit.appendingPathComponent("LICENSE"), atomically: true, encoding: .utf8)
        let made = try Self.generate(graph, in: directory.url)
        #expect(made.status == 0, "\(made.error)")
        let document = try JSONDecoder().decode(JSONValue.self, from: Data(made.output.utf8))
        #expect(document["bomFormat"] == .string("CycloneDX") && document["specVersion"] == .string("1.5"))
        let components = document["components"]?.arrayValue ?? []
        #expect(components.count == 2)
        let widgets = components.first { $0["name"] == .string("swift-widgets") }
        #expect(widgets?["version"] == .string("1.2.3"))
        #expect(widgets?["purl"] == .string("pkg:swift/github.com/example/swift-widgets@1.2.3"))
        #expect(widgets?["licenses"]?.arrayValue?.first?["expression"] == .string("Apache-2.0 WITH Swift-exception"))
        let gadgets = components.first { $0["name"] == .string("Gadgets") }
        #expect(gadgets?["purl"] == .string("pkg:swift/github.com/example/Gadgets@0.9.0"))
        #expect(gadgets?["licenses"]?.arrayValue?.first?["license"]?["id"] == .string("MIT"))
        let edges = document["dependencies"]?.arrayValue ?? []
        #expect(edges.first { $0["ref"] == .string("app") }?["dependsOn"] == .array([.string("swift-widgets")]))
        #expect(edges.first { $0["ref"] == .string("swift-widgets") }?["dependsOn"] == .array([.string("gadgets")]))
    }
}
