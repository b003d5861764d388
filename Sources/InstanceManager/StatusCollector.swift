import CNPGCore
import Foundation
import Logging
import PostgresNIO

/// Reads the instance's state for `GET /pg/status` (CNPG's fields, from the same catalog views).
struct StatusCollector: Sendable {
    let database: LocalDatabase
    let clusterName: String
    let podName: String
    let sessionID: String
    /// The volumes whose space is reported (none for `instance status`).
    var volumes: VolumeSpaceCheck?

    func collect() async throws -> InstanceStatus {
        let logger = database.logger
        let clusterPattern = try SQLQuoting.literal("^" + NSRegularExpression.escapedPattern(for: clusterName) + "-[0-9]+$")
        let status = try await database.withConnection { connection in
            var status = InstanceStatus()
            let base = try await connection.rows(
                """
                SELECT (SELECT system_identifier::text FROM pg_catalog.pg_control_system()),
                       (NOT pg_catalog.pg_is_in_recovery())::text,
                       (SELECT timeline_id::text FROM pg_catalog.pg_control_checkpoint()),
                       COALESCE(current_setting('cnpg.config_sha256', true), ''),
                       (SELECT COALESCE(bool_or(pending_restart), false)::text FROM pg_catalog.pg_settings)
                """, logger: logger)
            guard let row = base.first, row.count == 5 else { throw Postmaster.Failure(description: "no status row") }
            status.systemID = row[0] ?? ""
            status.isPrimary = row[1] == "true"
            status.timeLineID = row[2].flatMap { Int($0) }
            status.loadedConfigurationHash = (row[3] ?? "").isEmpty ? nil : row[3]
            status.pendingRestart = row[4] == "true"
            if status.isPrimary {
                let wal = try await connection.rows(
                    "SELECT pg_catalog.pg_current_wal_lsn()::text, pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn())", logger: logger)
                status.currentLsn = wal.first?[0].flatMap { LSN($0) }
                status.currentWAL = wal.first?[1] ?? nil
                let replication = try await connection.rows(
                    """
                    SELECT application_name, state, sent_lsn::text, write_lsn::text, flush_lsn::text, replay_lsn::text,
                           COALESCE(write_lag::text, '0'), COALESCE(flush_lag::text, '0'), COALESCE(replay_lag::text, '0'),
                           sync_state, sync_priority::text
                    FROM pg_catalog.pg_stat_replication
                    WHERE application_name ~ \(clusterPattern) AND usename = 'streaming_replica'
                    ORDER BY application_name
                    """, logger: logger)
                let items = replication.map { row in
                    InstanceStatus.ReplicationInfo(
                        applicationName: row[0] ?? "", state: row[1] ?? "", receivedLsn: row[2].flatMap { LSN($0) },
                        writeLsn: row[3].flatMap { LSN($0) }, flushLsn: row[4].flatMap { LSN($0) }, replayLsn: row[5].flatMap { LSN($0) },
                        writeLag: row[6] ?? "0", flushLag: row[7] ?? "0", replayLag: row[8] ?? "0",
                        syncState: row[9] ?? "", syncPriority: row[10] ?? "")
                }
                status.replicationInfo = items.isEmpty ? nil : items
                let slots = try await connection.rows(
                    "SELECT slot_name::text, slot_type, active::text, restart_lsn::text FROM pg_catalog.pg_replication_slots ORDER BY slot_name",
                    logger: logger)
                let slotItems = slots.map { row in
                    InstanceStatus.ReplicationSlotInfo(
                        slotName: row[0] ?? "", slotType: row[1] ?? "", active: row[2] == "true",
                        restartLsn: row[3].flatMap { LSN($0) })
                }
                status.replicationSlotsInfo = slotItems.isEmpty ? nil : slotItems
            } else {
                let replica = try await connection.rows(
                    """
                    SELECT pg_catalog.pg_last_wal_receive_lsn()::text, pg_catalog.pg_last_wal_replay_lsn()::text,
                           pg_catalog.pg_is_wal_replay_paused()::text,
                           (SELECT count(*) > 0 FROM pg_catalog.pg_stat_wal_receiver)::text
                    """, logger: logger)
                if let row = replica.first {
                    let replay = row[1].flatMap { LSN($0) }
                    var received = row[0].flatMap { LSN($0) }
                    if let replayed = replay, received.map({ $0 < replayed }) ?? true { received = replayed }
                    status.receivedLsn = received
                    status.replayLsn = replay
                    status.replayPaused = row[2] == "true"
                    status.isWalReceiverActive = row[3] == "true"
                }
            }
            return status
        }
        return identified(status)
    }

    /// The fields that say which manager answers, on any report.
    private func identified(_ report: InstanceStatus) -> InstanceStatus {
        var status = report
        status.pod = InstanceStatus.PodStub(name: podName)
        status.instanceManagerVersion = CNPG.operatorVersion
        status.instanceArch = ManagerUpgrade.currentArchitecture
        status.sessionID = sessionID
        status.executableHash = Self.executableHash
        status.volumes = volumes?.usage()
        return status
    }

    /// While fenced PostgreSQL is down on purpose: the report says so (`mightBeUnavailable`)
    /// instead of failing, as CNPG's instance manager does.
    func fenced() -> InstanceStatus {
        var status = InstanceStatus()
        status.mightBeUnavailable = true
        return identified(status)
    }

    static let executableHash: String = {
        sha256Hex(fileAtPath: "/proc/self/exe") ?? ""
    }()
}
