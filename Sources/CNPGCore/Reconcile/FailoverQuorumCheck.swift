import Foundation

/// CNPG's failover quorum (`spec.postgresql.synchronous.failoverQuorum`): a commit waits for W of
/// the N synchronous standbys, so a promotion is safe only if the standbys the operator can see
/// (R: named, Ready and reporting their status) must include one that has every such commit:
/// R + W > N. Without the primary's report, W ≤ 0 or no names, there is no failover. A manual
/// promotion (`kubectl cnpg promote`) is not subject to it.
public enum FailoverQuorumCheck {
    public static func isActive(_ cluster: Cluster) -> Bool { cluster.spec.postgresql?.synchronous?.failoverQuorum == true }

    public enum Verdict: Equatable, Sendable {
        case allowed(String)
        case denied(String)
    }

    public static func verdict(_ status: FailoverQuorumStatus?, readyAndReporting: Set<String>) -> Verdict {
        guard let status, let number = status.standbyNumber, number > 0, let names = status.standbyNames, !names.isEmpty else {
            return .denied("the primary has not reported its synchronous replication (FailoverQuorum status is empty)")
        }
        let visible = Set(names).intersection(readyAndReporting).count
        let text = "R=\(visible) of N=\(names.count) synchronous standbys ready, W=\(number)"
        return visible + number > names.count ? .allowed("quorum reached: \(text)") : .denied("quorum not reached (R + W > N fails): \(text)")
    }

    /// The Cluster's phase reason while a failover waits for the quorum.
    public static func phaseReason(_ refusal: String) -> String { "Primary lost, no failover: \(refusal)" }

    /// What the primary reports: `cnpg.synchronous_standby_names_metadata` as PostgreSQL applied it
    /// (`{"method","number","standbyNames"}`), without the primary itself; nil when unset or unreadable.
    public static func status(metadata: String, primary: String) -> FailoverQuorumStatus? {
        guard !metadata.isEmpty, let document = try? JSONText.parse(Array(metadata.utf8)),
            let method = document["method"]?.stringValue, let number = document["number"]?.intValue,
            let names = document["standbyNames"]?.arrayValue?.compactMap(\.stringValue)
        else { return nil }
        return FailoverQuorumStatus(method: method, standbyNames: names.filter { $0 != primary }, standbyNumber: Int(number), primary: primary)
    }
}
