import CNPGCore
import Foundation
import Testing

@testable import KubeSandbox

@Suite struct TableTests {
    @Test func agesReadLikeKubectl() {
        let now = Date(timeIntervalSince1970: 1_000_000_000)
        func age(_ seconds: Int) -> String { SandboxAPI.age(ObjectStore.timestamp(now.addingTimeInterval(TimeInterval(-seconds))), now: now) }
        #expect(age(45) == "45s")
        #expect(age(192) == "3m12s")
        #expect(age(720) == "12m")
        #expect(age(5 * 3600 + 180) == "5h3m")
        #expect(age(20 * 3600) == "20h")
        #expect(age(3 * 86_400 + 4 * 3600) == "3d4h")
        #expect(age(120 * 86_400) == "120d")
        #expect(age(3 * 365 * 86_400) == "3y")
        #expect(SandboxAPI.age(nil, now: now) == "<unknown>")
    }

    @Test func printerColumnPathsEvaluate() throws {
        let object = try JSONText.parse(
            #"{"spec":{"cluster":{"name":"c"}},"status":{"conditions":[{"type":"Ready","reason":"r1"},{"type":"SyncReplicationTopologySatisfied","reason":"Satisfied"}],"list":[5,6]}}"#
        )
        #expect(JSONPathLite.evaluate(".spec.cluster.name", on: object) == .string("c"))
        #expect(JSONPathLite.evaluate(#".status.conditions[?(@.type=="SyncReplicationTopologySatisfied")].reason"#, on: object) == .string("Satisfied"))
        #expect(JSONPathLite.evaluate(".status.list[1]", on: object) == .int(6))
        #expect(JSONPathLite.evaluate(".status.missing.deeper", on: object) == nil)
    }

    @Test func tablesFollowTheCRDsPrinterColumns() async throws {
        let api = SandboxAPI(serverAddress: "127.0.0.1:1")
        let crd = ManifestValidator.render([CRDGenerator.customResourceDefinitions()[0]], format: "json")
        _ = await api.handle(
            APIRequest(method: "POST", path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", contentType: "application/json", body: Array(crd.utf8)))
        let cluster = #"{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","metadata":{"name":"pg"},"spec":{"instances":3,"storage":{"size":"1Gi"}}}"#
        _ = await api.handle(
            APIRequest(
                method: "POST", path: "/apis/postgresql.cnpg.io/v1/namespaces/default/clusters", contentType: "application/json", body: Array(cluster.utf8)))
        var request = APIRequest(method: "GET", path: "/apis/postgresql.cnpg.io/v1/namespaces/default/clusters")
        request.accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        guard case .json(200, let table) = await api.handle(request), case .array(let columns)? = table["columnDefinitions"],
            case .array(let rows)? = table["rows"]
        else {
            Issue.record("no table")
            return
        }
        #expect(table["kind"] == .string("Table"))
        #expect(columns.compactMap { $0["name"]?.stringValue } == ["Name", "Age", "Instances", "Ready", "Status", "Primary", "SyncTopology"])
        #expect(columns.last?["priority"] == .int(1))
        #expect(rows.first?["cells"].map { "\($0)" }?.contains("pg") == true)
        #expect(rows.first?["object"]?["kind"] == .string("PartialObjectMetadata"))
    }
}
