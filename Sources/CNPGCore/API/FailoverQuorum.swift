/// `postgresql.cnpg.io/v1` FailoverQuorum, named like its Cluster: the synchronous replication
/// the primary runs with, as its instance manager last reported it (status only). With
/// `spec.postgresql.synchronous.failoverQuorum` the operator fails over only when the standbys it
/// can still see are enough to hold every synchronously committed transaction (`FailoverQuorumCheck`).
public struct FailoverQuorum: Codable, Sendable, Equatable, CNPGResource {
    public static let kind = "FailoverQuorum"
    public static let plural = "failoverquorums"

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var status: FailoverQuorumStatus?

    public init(metadata: ObjectMeta, status: FailoverQuorumStatus? = nil) {
        self.apiVersion = CNPG.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.status = status
    }
}

public struct FailoverQuorumStatus: Codable, Sendable, Equatable {
    /// `ANY` or `FIRST`, as in `synchronous_standby_names`.
    public var method: String?
    /// The synchronous standby names, without the primary.
    public var standbyNames: [String]?
    /// How many of them confirm each commit.
    public var standbyNumber: Int?
    /// The primary that reported this.
    public var primary: String?

    public init(method: String? = nil, standbyNames: [String]? = nil, standbyNumber: Int? = nil, primary: String? = nil) {
        self.method = method
        self.standbyNames = standbyNames
        self.standbyNumber = standbyNumber
        self.primary = primary
    }
}
