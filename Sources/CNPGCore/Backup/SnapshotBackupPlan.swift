import Foundation

/// What a Backup with method `volumeSnapshot` does, decided from the Backup, its Cluster and the
/// instances' reports: which instance, online or cold, and the VolumeSnapshots to create.
public enum SnapshotBackupPlan {
    /// A clear refusal for the methods this operator does not implement.
    public static func unsupportedMethod(_ method: String) -> String? {
        switch method {
        case "volumeSnapshot": return nil
        case "barmanObjectStore":
            return "backups to an object store (method barmanObjectStore) are not supported by this operator yet: use method volumeSnapshot"
        case "plugin": return "backup plugins (method plugin) are not supported by this operator yet: use method volumeSnapshot"
        default: return "unknown backup method \(method)"
        }
    }

    public struct Settings: Equatable, Sendable {
        public var online: Bool
        public var immediateCheckpoint: Bool
        public var waitForArchive: Bool
        public var target: String

        public init(online: Bool, immediateCheckpoint: Bool, waitForArchive: Bool, target: String) {
            self.online = online
            self.immediateCheckpoint = immediateCheckpoint
            self.waitForArchive = waitForArchive
            self.target = target
        }
    }

    /// The Backup's choices, falling back to the Cluster's `spec.backup` and then CNPG's defaults.
    public static func settings(backup: Backup, cluster: Cluster) -> Settings {
        let fromCluster = cluster.spec.backup?.volumeSnapshot
        let online = backup.spec.online ?? fromCluster?.online ?? true
        let configuration = backup.spec.onlineConfiguration ?? fromCluster?.onlineConfiguration
        return Settings(
            online: online, immediateCheckpoint: configuration?.immediateCheckpoint ?? false,
            waitForArchive: configuration?.waitForArchive ?? true,
            target: backup.spec.target ?? cluster.spec.backup?.target ?? "prefer-standby")
    }

    /// The instance to back up: with `prefer-standby` the ready, streaming standby that has
    /// replayed the most WAL, else the primary (also when the target is `primary`); nil when no
    /// candidate is ready.
    public static func targetInstance(
        target: String, primary: String?, reports: [String: InstanceStatus],
        readyPods: Set<String>
    ) -> String? {
        if target == "prefer-standby" {
            let standbys = reports.filter { name, report in
                !report.isPrimary && readyPods.contains(name) && report.isWalReceiverActive && !report.mightBeUnavailable
            }
            if let best = standbys.max(by: { ($0.value.replayLsn ?? LSN(value: 0), $1.key) < ($1.value.replayLsn ?? LSN(value: 0), $0.key) }) {
                return best.key
            }
        }
        guard let primary, readyPods.contains(primary) else { return nil }
        return primary
    }

    /// One volume to snapshot: a PVC of the instance and its role (`PG_DATA`, `PG_WAL`, `PG_TABLESPACE`).
    public struct Volume: Equatable, Sendable {
        public var claimName: String
        public var role: String
        public var tablespace: String?

        public init(claimName: String, role: String, tablespace: String? = nil) {
            self.claimName = claimName
            self.role = role
            self.tablespace = tablespace
        }
    }

    /// The instance a cold backup may hold fenced (it fences it while `started`/`running` and lifts
    /// the fence before `finalizing`): what a Backup deleted meanwhile must release; nil otherwise.
    public static func fencedInstanceToRelease(_ backup: Backup) -> String? {
        guard backup.status?.online == false, let pod = backup.status?.instanceID?.podName, !pod.isEmpty,
            let phase = backup.status?.phase.flatMap(BackupPhase.init(rawValue:)), phase == .started || phase == .running
        else { return nil }
        return pod
    }

    /// CNPG's names: `<backup>` for PG_DATA, `<backup>-wal`, `<backup>-tbs-<tablespace>`.
    public static func snapshotName(backup: String, volume: Volume) -> String {
        switch volume.role {
        case "PG_WAL": return "\(backup)-wal"
        case "PG_TABLESPACE":
            let sanitized = (volume.tablespace ?? "").lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
            return "\(backup)-tbs-\(String(sanitized))"
        default: return backup
        }
    }

    /// The VolumeSnapshot of `volume` for `backup`, labelled and annotated as CNPG's, with the
    /// class and owner the Cluster's `spec.backup.volumeSnapshot` asks for.
    public static func snapshot(
        of volume: Volume, backup: Backup, cluster: Cluster, online: Bool, startedAt: Date,
        timeline: Int?
    ) -> JSONValue {
        let configuration = cluster.spec.backup?.volumeSnapshot
        let backupName = backup.metadata.name ?? ""
        var labels = configuration?.labels ?? [:]
        labels[CNPGLabels.cluster] = cluster.metadata.name ?? ""
        labels[CNPGLabels.managedBy] = CNPGLabels.managedByValue
        labels[CNPGLabels.appName] = CNPGLabels.appNameValue
        labels[CNPGLabels.pvcRole] = volume.role
        if let tablespace = volume.tablespace { labels[CNPGLabels.tablespaceName] = tablespace }
        labels["cnpg.io/backupName"] = backupName
        let day = KubeTime.utcCalendar.dateComponents([.year, .month, .day], from: startedAt)
        labels["cnpg.io/backupDate"] = String(format: "%04d%02d%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0)
        labels["cnpg.io/backupYear"] = String(day.year ?? 0)
        labels["cnpg.io/backupMonth"] = String(day.month ?? 0)
        if let timeline { labels["cnpg.io/backupTimeline"] = String(timeline) }
        labels["cnpg.io/onlineBackup"] = String(online)
        let major = ServiceBuilder.majorVersionLabel(for: cluster)
        if !major.isEmpty {
            labels["cnpg.io/majorVersion"] = major
            labels[CNPGLabels.appVersion] = major
        }
        var annotations = configuration?.annotations ?? [:]
        annotations["cnpg.io/backupStartTime"] = KubeTime.time(startedAt)
        annotations["cnpg.io/snapshotStartTime"] = KubeTime.time(startedAt)
        var metadata = ObjectMeta(
            name: snapshotName(backup: backupName, volume: volume), namespace: cluster.metadata.namespace,
            labels: labels, annotations: annotations)
        switch configuration?.snapshotOwnerReference ?? "none" {
        case "cluster":
            if let uid = cluster.metadata.uid {
                metadata.ownerReferences = [OwnerReference(apiVersion: CNPG.apiVersion, kind: Cluster.kind, name: cluster.metadata.name ?? "", uid: uid)]
            }
        case "backup":
            if let uid = backup.metadata.uid {
                metadata.ownerReferences = [OwnerReference(apiVersion: CNPG.apiVersion, kind: Backup.kind, name: backupName, uid: uid)]
            }
        default: break
        }
        let className: String?
        switch volume.role {
        case "PG_WAL": className = configuration?.walClassName ?? configuration?.className
        case "PG_TABLESPACE": className = volume.tablespace.flatMap { configuration?.tablespaceClassName?[$0] } ?? configuration?.className
        default: className = configuration?.className
        }
        var spec: [(String, JSONValue)] = [("source", .object([("persistentVolumeClaimName", .string(volume.claimName))]))]
        if let className { spec.append(("volumeSnapshotClassName", .string(className))) }
        return .object([
            ("apiVersion", .string("snapshot.storage.k8s.io/v1")), ("kind", .string("VolumeSnapshot")),
            ("metadata", ObjectCodec.encode(metadata)), ("spec", .object(spec)),
        ])
    }

    /// The WAL segment file holding `lsn` on `timeline` (16 MiB segments, PostgreSQL's default).
    public static func walFileName(lsn: LSN, timeline: Int, segmentSize: UInt64 = 16 * 1024 * 1024) -> String {
        let segmentsPerXLogID = 0x1_0000_0000 / segmentSize
        let segment = lsn.value / segmentSize
        return String(format: "%08X%08X%08X", timeline, UInt32(segment / segmentsPerXLogID), UInt32(segment % segmentsPerXLogID))
    }

    /// The timeline in a backup label (`START TIMELINE: 1`).
    public static func timeline(inLabel label: String) -> Int? {
        for line in label.split(separator: "\n") where line.hasPrefix("START TIMELINE:") {
            return Int(line.dropFirst("START TIMELINE:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
