import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// Paths of the repository and of the shared CNPG samples beside it.
enum TestPaths {
    static let repositoryRoot: URL = BuiltProducts.repositoryRoot
    static let samples: URL = BuiltProducts.samples

    static func sampleFiles() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: samples.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { samples.appendingPathComponent($0) }
    }

    /// Every document of the samples that is one of the four CNPG kinds.
    static func cnpgSampleDocuments() throws -> [(file: String, value: JSONValue)] {
        try sampleFiles().flatMap { url -> [(file: String, value: JSONValue)] in
            let text = try String(contentsOf: url, encoding: .utf8)
            return try YAMLLoader.documents(from: text)
                .filter { Admission.isCNPGKind(apiVersion: $0.value["apiVersion"]?.stringValue, kind: $0.value["kind"]?.stringValue) }
                .map { (url.lastPathComponent, $0.value) }
        }
    }
}

/// Builds a Cluster document from a YAML spec fragment.
func clusterDocument(_ specYAML: String, name: String = "cluster-example", annotations: [String: String] = [:]) throws -> JSONValue {
    var metadata = "metadata:\n  name: \(name)\n"
    if !annotations.isEmpty {
        metadata += "  annotations:\n" + annotations.sorted(by: { $0.key < $1.key }).map { "    \($0.key): '\($0.value)'\n" }.joined()
    }
    let indented = specYAML.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    let text = "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\n\(metadata)spec:\n\(indented)\n"
    let documents = try YAMLLoader.documents(from: text)
    return try #require(documents.first).value
}

func review(_ document: JSONValue, old: JSONValue? = nil) throws -> Admission.Report {
    guard case .reviewed(let report) = Admission.review(document, old: old) else {
        Issue.record("document was skipped")
        throw CancellationError()
    }
    return report
}

func decodeDefaultedCluster(_ report: Admission.Report) throws -> Cluster {
    try ObjectCodec.decode(Cluster.self, from: try #require(report.defaulted))
}
