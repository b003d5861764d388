import CNPGCore
import Foundation
import Testing

/// CNPG's failover quorum arithmetic (R + W > N) and what the primary reports from the applied
/// `cnpg.synchronous_standby_names_metadata`.
@Suite struct FailoverQuorumCheckTests {
    static let report = FailoverQuorumStatus(method: "ANY", standbyNames: ["pg-2", "pg-3"], standbyNumber: 1, primary: "pg-1")

    @Test func aFailoverNeedsMoreVisibleStandbysThanCommitsCanMiss() {
        #expect(
            FailoverQuorumCheck.verdict(Self.report, readyAndReporting: ["pg-2", "pg-3"])
                == .allowed("quorum reached: R=2 of N=2 synchronous standbys ready, W=1"))
        #expect(
            FailoverQuorumCheck.verdict(Self.report, readyAndReporting: ["pg-2", "pg-9"])
                == .denied("quorum not reached (R + W > N fails): R=1 of N=2 synchronous standbys ready, W=1"))
        var all = Self.report
        all.standbyNumber = 2
        #expect(FailoverQuorumCheck.verdict(all, readyAndReporting: ["pg-2"]) == .allowed("quorum reached: R=1 of N=2 synchronous standbys ready, W=2"))
        for missing in [nil, FailoverQuorumStatus(), FailoverQuorumStatus(method: "ANY", standbyNames: [], standbyNumber: 1)] {
            guard case .denied = FailoverQuorumCheck.verdict(missing, readyAndReporting: ["pg-2", "pg-3"]) else {
                Issue.record("no report, no failover: \(String(describing: missing))")
                continue
            }
        }
    }

    @Test func thePrimaryReportsTheAppliedMetadataWithoutItself() {
        let metadata = #"{"method":"ANY","number":1,"standbyNames":["pg-2","pg-3","pg-1"]}"#
        #expect(FailoverQuorumCheck.status(metadata: metadata, primary: "pg-1") == Self.report)
        #expect(FailoverQuorumCheck.status(metadata: "", primary: "pg-1") == nil)
        #expect(FailoverQuorumCheck.status(metadata: "{not json", primary: "pg-1") == nil)
    }

    @Test func onlyTheSynchronousSwitchTurnsItOn() throws {
        var cluster = try ObjectCodec.decode(Cluster.self, from: try JSONText.parse(Array(#"{"metadata":{"name":"pg"},"spec":{"instances":3}}"#.utf8)))
        #expect(!FailoverQuorumCheck.isActive(cluster))
        cluster = try ObjectCodec.decode(
            Cluster.self,
            from: try JSONText.parse(
                Array(#"{"metadata":{"name":"pg"},"spec":{"instances":3,"postgresql":{"synchronous":{"method":"any","number":1,"failoverQuorum":true}}}}"#.utf8)
            ))
        #expect(FailoverQuorumCheck.isActive(cluster))
    }
}
