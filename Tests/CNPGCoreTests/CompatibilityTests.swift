import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// docs/compatibility.md lists, per kind, exactly the `spec` fields the Swift types declare (read
/// from the CRDs generated from them), each with a state, so no field is left out or invented.
@Suite struct CompatibilityTests {
    /// `## Kind` sections -> the first column of their tables (`field`) with the second (state).
    static func tables(_ markdown: String) -> [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        var kind: String?
        for line in markdown.split(separator: "\n") {
            if line.hasPrefix("## ") {
                kind = String(line.dropFirst(3))
                continue
            }
            guard let kind, line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            result[kind, default: [:]][cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[2]
        }
        return result
    }

    @Test("every spec field of Cluster, Pooler, Backup and ScheduledBackup is listed once with a known state")
    func everyFieldIsListed() throws {
        let markdown = try String(contentsOf: BuiltProducts.repositoryRoot.appendingPathComponent("docs/compatibility.md"), encoding: .utf8)
        let tables = Self.tables(markdown)
        for crd in CRDGenerator.customResourceDefinitions() {
            guard let kind = crd["spec"]?["names"]?["kind"]?.stringValue, ["Cluster", "Pooler", "Backup", "ScheduledBackup"].contains(kind),
                case .array(let versions)? = crd["spec"]?["versions"],
                let properties = versions.first?["schema"]?["openAPIV3Schema"]?["properties"]?["spec"]?["properties"]?.objectMembers
            else { continue }
            let declared = Set(properties.map(\.0))
            let listed = tables[kind] ?? [:]
            #expect(
                declared.subtracting(listed.keys).isEmpty, "\(kind) fields missing from docs/compatibility.md: \(declared.subtracting(listed.keys).sorted())")
            #expect(
                Set(listed.keys).subtracting(declared).isEmpty, "\(kind) fields listed but not in the types: \(Set(listed.keys).subtracting(declared).sorted())"
            )
            for (field, state) in listed {
                #expect(["Supported", "Partial", "Not yet"].contains(state), "\(kind).\(field): unknown state \(state)")
            }
        }
        #expect(Set(tables.keys).isSuperset(of: ["Cluster", "Pooler", "Backup", "ScheduledBackup"]))
    }
}
