import CNPGCore
import Foundation
import Testing

/// `nodeMaintenanceWindow` without reusing PVCs: which instance is recreated elsewhere.
@Suite struct NodeMaintenancePlanTests {
    typealias Fixtures = ReconcileDecisionTests

    static func pod(_ serial: Int, scheduled: Bool) throws -> JSONValue {
        let conditions =
            scheduled
            ? #"[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True"}]"#
            : #"[{"type":"PodScheduled","status":"False","reason":"Unschedulable"}]"#
        return try Fixtures.json(
            #"{"metadata":{"name":"pg-\#(serial)","labels":{"cnpg.io/podRole":"instance","cnpg.io/instanceName":"pg-\#(serial)"}},"status":{"phase":"\#(scheduled ? "Running" : "Pending")","conditions":\#(conditions)}}"#
        )
    }

    static func cluster(_ window: String?) throws -> Cluster {
        let spec = window.map { #","nodeMaintenanceWindow":\#($0)"# } ?? ""
        return try ObjectCodec.decode(
            Cluster.self, from: try Fixtures.json(#"{"metadata":{"name":"pg"},"spec":{"instances":3\#(spec)}}"#))
    }

    @Test func onlyUnschedulableStandbysAreRecreatedAndOnlyWithoutReusePVC() throws {
        let observed = ObservedInstances(
            clusterName: "pg", pods: [try Self.pod(1, scheduled: false), try Self.pod(2, scheduled: true), try Self.pod(3, scheduled: false)], jobs: [],
            claims: [])
        #expect(NodeMaintenance.isUnschedulable(try Self.pod(3, scheduled: false)))
        #expect(!NodeMaintenance.isUnschedulable(try Self.pod(2, scheduled: true)))
        let withoutReuse = #"{"inProgress":true,"reusePVC":false}"#
        #expect(NodeMaintenance.instanceToRecreate(cluster: try Self.cluster(withoutReuse), observed: observed, primaries: ["pg-1"]) == 3, "never the primary")
        #expect(NodeMaintenance.instanceToRecreate(cluster: try Self.cluster(withoutReuse), observed: observed, primaries: ["pg-2"]) == 1)
        #expect(
            NodeMaintenance.instanceToRecreate(cluster: try Self.cluster(#"{"inProgress":true,"reusePVC":true}"#), observed: observed, primaries: ["pg-1"])
                == nil)
        #expect(
            NodeMaintenance.instanceToRecreate(cluster: try Self.cluster(#"{"inProgress":true}"#), observed: observed, primaries: ["pg-1"]) == nil,
            "reusePVC defaults to true")
        #expect(
            NodeMaintenance.instanceToRecreate(cluster: try Self.cluster(#"{"inProgress":false,"reusePVC":false}"#), observed: observed, primaries: ["pg-1"])
                == nil)
        #expect(NodeMaintenance.instanceToRecreate(cluster: try Self.cluster(nil), observed: observed, primaries: ["pg-1"]) == nil)
    }
}
