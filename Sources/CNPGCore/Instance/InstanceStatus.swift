/// What an instance reports on `GET /pg/status` (CNPG's `PostgresqlStatus` JSON names); the
/// operator sorts these to elect and roll instances.
public struct InstanceStatus: Codable, Sendable, Equatable {
    public var currentLsn: LSN?
    public var receivedLsn: LSN?
    public var replayLsn: LSN?
    public var systemID: String = ""
    public var isPrimary: Bool = false
    public var replayPaused: Bool = false
    public var pendingRestart: Bool = false
    public var pendingRestartForDecrease: Bool = false
    public var isWalReceiverActive: Bool = false
    public var isPgRewindRunning: Bool = false
    public var mightBeUnavailable: Bool = false
    public var isArchivingWAL: Bool?
    public var node: String = ""
    public var pod: PodStub = PodStub(name: "")
    public var loadedConfigurationHash: String?
    public var currentWAL: String?
    public var timeLineID: Int?
    public var replicationInfo: [ReplicationInfo]?
    public var replicationSlotsInfo: [ReplicationSlotInfo]?
    public var executableHash: String = ""
    public var instanceManagerVersion: String = ""
    public var instanceArch: String = ""
    public var isInstanceManagerUpgrading: Bool = false
    public var sessionID: String = ""
    public var isPodReady: Bool = false
    /// Size and free space of PGDATA's volume and pg_wal's (not in CNPG's status).
    public var volumes: [VolumeSpace]?

    public init() {}

    /// The instance reports only its pod's name; the operator replaces it with the Pod.
    public struct PodStub: Codable, Sendable, Equatable {
        public var metadata: Metadata
        public init(name: String) { metadata = Metadata(name: name) }
        public struct Metadata: Codable, Sendable, Equatable { public var name: String }
    }

    /// A row of the primary's `pg_stat_replication` for one of the cluster's standbys.
    public struct ReplicationInfo: Codable, Sendable, Equatable {
        public var applicationName: String
        public var state: String
        /// `sent_lsn` (CNPG's JSON name).
        public var receivedLsn: LSN?
        public var writeLsn: LSN?
        public var flushLsn: LSN?
        public var replayLsn: LSN?
        public var writeLag: String
        public var flushLag: String
        public var replayLag: String
        public var syncState: String
        public var syncPriority: String

        public init(
            applicationName: String, state: String, receivedLsn: LSN?, writeLsn: LSN?, flushLsn: LSN?, replayLsn: LSN?,
            writeLag: String, flushLag: String, replayLag: String, syncState: String, syncPriority: String
        ) {
            self.applicationName = applicationName
            self.state = state
            self.receivedLsn = receivedLsn
            self.writeLsn = writeLsn
            self.flushLsn = flushLsn
            self.replayLsn = replayLsn
            self.writeLag = writeLag
            self.flushLag = flushLag
            self.replayLag = replayLag
            self.syncState = syncState
            self.syncPriority = syncPriority
        }
    }

    public struct ReplicationSlotInfo: Codable, Sendable, Equatable {
        public var slotName: String
        public var slotType: String
        public var active: Bool
        public var restartLsn: LSN?

        public init(slotName: String, slotType: String, active: Bool, restartLsn: LSN?) {
            self.slotName = slotName
            self.slotType = slotType
            self.active = active
            self.restartLsn = restartLsn
        }
    }
}
