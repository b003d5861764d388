import CNPGCore
import Foundation
import Testing

/// The pure parts of backups: which instance, the snapshots' names and metadata, WAL file
/// names, cron schedules, when a ScheduledBackup fires and what it creates, and the online
/// backup session's rules.
@Suite struct BackupPlanTests {
    static func cluster(_ backup: String = "null") throws -> Cluster {
        try ObjectCodec.decode(
            Cluster.self,
            from: JSONText.parse(
                #"{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","metadata":{"name":"pg","namespace":"db","uid":"c-1"},"spec":{"instances":3,"imageName":"ghcr.io/cloudnative-pg/postgresql:16.4","storage":{"size":"1Gi"},"backup":\#(backup)}}"#
            ))
    }

    static func backup(_ spec: String = "") throws -> Backup {
        try ObjectCodec.decode(
            Backup.self,
            from: JSONText.parse(
                #"{"apiVersion":"postgresql.cnpg.io/v1","kind":"Backup","metadata":{"name":"nightly","namespace":"db","uid":"b-1"},"spec":{"cluster":{"name":"pg"}\#(spec)}}"#
            ))
    }

    static func date(_ text: String) -> Date { KubeTime.parse(text)! }

    static func report(primary: Bool, replay: String?, streaming: Bool = true) -> InstanceStatus {
        var status = InstanceStatus()
        status.isPrimary = primary
        status.replayLsn = replay.flatMap(LSN.init)
        status.isWalReceiverActive = streaming
        return status
    }

    @Test("prefer-standby takes the ready streaming standby furthest ahead, else the primary; primary takes the primary")
    func targetInstance() {
        let reports = [
            "pg-1": Self.report(primary: true, replay: nil, streaming: false), "pg-2": Self.report(primary: false, replay: "0/5000000"),
            "pg-3": Self.report(primary: false, replay: "0/6000000"),
        ]
        let all: Set<String> = ["pg-1", "pg-2", "pg-3"]
        #expect(SnapshotBackupPlan.targetInstance(target: "prefer-standby", primary: "pg-1", reports: reports, readyPods: all) == "pg-3")
        #expect(SnapshotBackupPlan.targetInstance(target: "prefer-standby", primary: "pg-1", reports: reports, readyPods: ["pg-1", "pg-2"]) == "pg-2")
        var lagging = reports
        lagging["pg-3"] = Self.report(primary: false, replay: "0/6000000", streaming: false)
        #expect(
            SnapshotBackupPlan.targetInstance(target: "prefer-standby", primary: "pg-1", reports: lagging, readyPods: all) == "pg-2",
            "a standby that does not stream is not chosen")
        #expect(SnapshotBackupPlan.targetInstance(target: "prefer-standby", primary: "pg-1", reports: reports, readyPods: ["pg-1"]) == "pg-1")
        #expect(SnapshotBackupPlan.targetInstance(target: "primary", primary: "pg-1", reports: reports, readyPods: all) == "pg-1")
        #expect(SnapshotBackupPlan.targetInstance(target: "primary", primary: "pg-1", reports: reports, readyPods: ["pg-2"]) == nil)
    }

    @Test("settings: the Backup's own, then the Cluster's volumeSnapshot section, then CNPG's defaults")
    func settings() throws {
        let defaults = SnapshotBackupPlan.settings(backup: try Self.backup(), cluster: try Self.cluster())
        #expect(defaults == .init(online: true, immediateCheckpoint: false, waitForArchive: true, target: "prefer-standby"))
        let fromCluster = SnapshotBackupPlan.settings(
            backup: try Self.backup(),
            cluster: try Self.cluster(
                #"{"target":"primary","volumeSnapshot":{"online":false,"onlineConfiguration":{"immediateCheckpoint":true}}}"#))
        #expect(fromCluster == .init(online: false, immediateCheckpoint: true, waitForArchive: true, target: "primary"))
        let own = SnapshotBackupPlan.settings(
            backup: try Self.backup(#","online":true,"target":"prefer-standby","onlineConfiguration":{"waitForArchive":false}"#),
            cluster: try Self.cluster(#"{"target":"primary","volumeSnapshot":{"online":false}}"#))
        #expect(own == .init(online: true, immediateCheckpoint: false, waitForArchive: false, target: "prefer-standby"))
    }

    @Test("object-store and plugin methods are refused with a reason; volumeSnapshot is not")
    func methods() {
        #expect(SnapshotBackupPlan.unsupportedMethod("volumeSnapshot") == nil)
        #expect(SnapshotBackupPlan.unsupportedMethod("barmanObjectStore")?.contains("not supported") == true)
        #expect(SnapshotBackupPlan.unsupportedMethod("plugin")?.contains("not supported") == true)
    }

    @Test("snapshots are named, classed, labelled and owned as CNPG's")
    func snapshots() throws {
        let cluster = try Self.cluster(
            #"{"volumeSnapshot":{"className":"fast","walClassName":"wal-class","labels":{"team":"db"},"annotations":{"note":"x"},"snapshotOwnerReference":"backup"}}"#
        )
        let backup = try Self.backup()
        let started = Self.date("2026-03-04T05:06:07Z")
        let data = SnapshotBackupPlan.snapshot(
            of: .init(claimName: "pg-2", role: "PG_DATA"), backup: backup, cluster: cluster, online: true,
            startedAt: started, timeline: 2)
        #expect(data["metadata"]?["name"]?.stringValue == "nightly")
        #expect(data["spec"]?["source"]?["persistentVolumeClaimName"]?.stringValue == "pg-2")
        #expect(data["spec"]?["volumeSnapshotClassName"]?.stringValue == "fast")
        let labels = data["metadata"]?["labels"]
        #expect(labels?["cnpg.io/backupDate"]?.stringValue == "20260304" && labels?["cnpg.io/backupYear"]?.stringValue == "2026")
        #expect(labels?["cnpg.io/backupMonth"]?.stringValue == "3" && labels?["cnpg.io/backupTimeline"]?.stringValue == "2")
        #expect(labels?["cnpg.io/cluster"]?.stringValue == "pg" && labels?["team"]?.stringValue == "db")
        #expect(labels?["cnpg.io/onlineBackup"]?.stringValue == "true" && labels?["cnpg.io/majorVersion"]?.stringValue == "16")
        #expect(data["metadata"]?["annotations"]?["note"]?.stringValue == "x")
        #expect(data["metadata"]?["annotations"]?["cnpg.io/backupStartTime"]?.stringValue == "2026-03-04T05:06:07Z")
        #expect(data["metadata"]?["ownerReferences"]?.arrayValue?.first?["kind"]?.stringValue == "Backup")
        let wal = SnapshotBackupPlan.snapshot(
            of: .init(claimName: "pg-2-wal", role: "PG_WAL"), backup: backup, cluster: cluster, online: false,
            startedAt: started, timeline: nil)
        #expect(wal["metadata"]?["name"]?.stringValue == "nightly-wal" && wal["spec"]?["volumeSnapshotClassName"]?.stringValue == "wal-class")
        #expect(SnapshotBackupPlan.snapshotName(backup: "b", volume: .init(claimName: "x", role: "PG_TABLESPACE", tablespace: "Big_One")) == "b-tbs-big-one")
        let plain = SnapshotBackupPlan.snapshot(
            of: .init(claimName: "pg-1", role: "PG_DATA"), backup: backup, cluster: try Self.cluster(),
            online: true, startedAt: started, timeline: nil)
        #expect(plain["spec"]?["volumeSnapshotClassName"] == nil && plain["metadata"]?["ownerReferences"] == nil, "the default class, no owner")
    }

    @Test("WAL file names and the backup label's timeline")
    func walNames() {
        #expect(SnapshotBackupPlan.walFileName(lsn: LSN("0/3000028")!, timeline: 1) == "000000010000000000000003")
        #expect(SnapshotBackupPlan.walFileName(lsn: LSN("1/A0000000")!, timeline: 2) == "0000000200000001000000A0")
        #expect(SnapshotBackupPlan.timeline(inLabel: "START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\nSTART TIMELINE: 4\n") == 4)
        #expect(SnapshotBackupPlan.timeline(inLabel: "LABEL: x\n") == nil)
    }

    @Test("cron schedules fire when robfig/cron says")
    func cronNext() throws {
        func next(_ schedule: String, _ after: String) throws -> String? {
            let parsed = try CronSchedule.parse(schedule).get()
            return parsed.next(after: Self.date(after)).map(KubeTime.time)
        }
        #expect(try next("*/10 * * * * *", "2026-12-01T12:00:03Z") == "2026-12-01T12:00:10Z")
        #expect(try next("*/10 * * * * *", "2026-12-01T12:00:50Z") == "2026-12-01T12:01:00Z")
        #expect(try next("0 0 2 * * *", "2026-12-01T02:00:00Z") == "2026-12-02T02:00:00Z")
        #expect(try next("0 30 9 * * mon", "2026-12-01T00:00:00Z") == "2026-12-07T09:30:00Z")
        #expect(try next("0 0 0 1 * mon", "2026-12-01T00:00:01Z") == "2026-12-07T00:00:00Z", "day of month OR day of week")
        #expect(try next("0 0 0 1 1 *", "2026-12-01T00:00:00Z") == "2027-01-01T00:00:00Z")
        #expect(try next("@daily", "2026-12-31T23:59:59Z") == "2027-01-01T00:00:00Z")
        #expect(try next("0 0 * * *", "2026-12-01T10:15:00Z") == "2026-12-02T00:00:00Z", "five fields: minute first")
        #expect(try next("@every 1h", "2026-12-01T10:15:00Z") == "2026-12-01T11:15:00Z")
        #expect(try next("0 0 0 30 2 *", "2026-12-01T00:00:00Z") == nil, "never fires")
    }

    static func scheduled(_ extra: String = "", status: String = "null") throws -> ScheduledBackup {
        try ObjectCodec.decode(
            ScheduledBackup.self,
            from: JSONText.parse(
                #"{"apiVersion":"postgresql.cnpg.io/v1","kind":"ScheduledBackup","metadata":{"name":"nightly","namespace":"db","uid":"s-1","annotations":{"team":"db","kubectl.kubernetes.io/last-applied-configuration":"{}"}},"spec":{"schedule":"0 0 2 * * *","cluster":{"name":"pg"},"method":"volumeSnapshot"\#(extra)},"status":\#(status)}"#
            ))
    }

    @Test("a ScheduledBackup fires immediately only when asked, then when its schedule passes; suspended or unparsable it does nothing")
    func scheduleSteps() throws {
        let now = Self.date("2026-12-01T10:00:00Z")
        let tomorrow = Self.date("2026-12-02T02:00:00Z")
        #expect(ScheduledBackupPlan.next(try Self.scheduled(), now: now) == .wait(next: tomorrow))
        #expect(
            ScheduledBackupPlan.next(try Self.scheduled(#","immediate":true"#), now: now) == .createBackup(scheduledAt: now, immediate: true, next: tomorrow))
        let checked = try Self.scheduled(#","immediate":true"#, status: #"{"lastCheckTime":"2026-12-01T01:00:00Z"}"#)
        #expect(
            ScheduledBackupPlan.next(checked, now: now) == .createBackup(scheduledAt: Self.date("2026-12-01T02:00:00Z"), immediate: false, next: tomorrow),
            "missed firings make one Backup, for the first of them")
        let recent = try Self.scheduled(status: #"{"lastCheckTime":"2026-12-01T09:00:00Z"}"#)
        #expect(ScheduledBackupPlan.next(recent, now: now) == .wait(next: tomorrow))
        #expect(ScheduledBackupPlan.next(try Self.scheduled(#","suspend":true"#), now: now) == .suspended)
        guard case .invalid(let message) = ScheduledBackupPlan.next(try Self.scheduled(#","schedule":"61 * * * * *""#), now: now) else {
            Issue.record("an out-of-range schedule must be reported")
            return
        }
        #expect(message.contains("out of range"), "\(message)")
    }

    @Test("the Backup a ScheduledBackup creates: name, labels, annotations, spec and owner")
    func scheduledBackupObject() throws {
        let time = Self.date("2026-12-01T02:00:00Z")
        let selfOwned = ScheduledBackupPlan.backup(
            for: try Self.scheduled(#","backupOwnerReference":"self","online":false,"target":"primary""#),
            cluster: try Self.cluster(), at: time, immediate: false)
        #expect(selfOwned.metadata.name == "nightly-20261201020000")
        #expect(selfOwned.metadata.labels == ["cnpg.io/cluster": "pg", "cnpg.io/scheduled-backup": "nightly", "cnpg.io/immediateBackup": "false"])
        #expect(selfOwned.metadata.annotations == ["team": "db"], "kubectl's last-applied configuration is not copied")
        #expect(selfOwned.metadata.ownerReferences?.first?.kind == "ScheduledBackup" && selfOwned.metadata.ownerReferences?.first?.uid == "s-1")
        #expect(selfOwned.spec.method == "volumeSnapshot" && selfOwned.spec.online == false && selfOwned.spec.target == "primary")
        let clusterOwned = ScheduledBackupPlan.backup(
            for: try Self.scheduled(#","backupOwnerReference":"cluster""#), cluster: try Self.cluster(),
            at: time, immediate: true)
        #expect(clusterOwned.metadata.ownerReferences?.first?.kind == "Cluster" && clusterOwned.metadata.labels?["cnpg.io/immediateBackup"] == "true")
        let unowned = ScheduledBackupPlan.backup(for: try Self.scheduled(), cluster: nil, at: time, immediate: false)
        #expect(unowned.metadata.ownerReferences == nil)
    }

    @Test("online backup sessions: slot names, stop refusals, acceptable names, controldata fields")
    func onlineBackupRules() {
        #expect(OnlineBackup.slotName(for: "nightly-2026.12") == "nightly_2026_12")
        #expect(OnlineBackup.slotName(for: String(repeating: "a", count: 100)).count == 63)
        var session = OnlineBackup.Session(backupName: "b1", phase: .started)
        #expect(OnlineBackup.refusalToStop(current: nil, failed: nil, requested: "b1")?.failure.code == "NO_ONGOING_BACKUP")
        #expect(OnlineBackup.refusalToStop(current: session, failed: nil, requested: "b2")?.failure.code == "NOT_CURRENT_RUNNING_BACKUP")
        #expect(OnlineBackup.refusalToStop(current: session, failed: nil, requested: "b1") == nil)
        #expect(
            OnlineBackup.refusalToStop(current: session, failed: .init(code: .backupFailed, message: "boom"), requested: "b1")?.failure.code == "BACKUP_FAILED")
        session.phase = .starting
        #expect(OnlineBackup.refusalToStop(current: session, failed: nil, requested: "b1")?.status == 422)
        #expect(OnlineBackup.isAcceptableName("nightly-20261201020000"))
        #expect(!OnlineBackup.isAcceptableName("x'); drop table t; --") && !OnlineBackup.isAcceptableName(""))
        let fields = Controldata.fields("Database cluster state:               shut down in recovery\nLatest checkpoint location:           0/5000060\n")
        #expect(fields["Database cluster state"] == "shut down in recovery" && fields["Latest checkpoint location"] == "0/5000060")
    }

    @Test("bootstrapping from volume snapshots: the snapshot-recovery Job and claims that start from the snapshots")
    func snapshotRecoveryBootstrap() throws {
        let cluster = try ObjectCodec.decode(
            Cluster.self,
            from: JSONText.parse(
                #"{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","metadata":{"name":"pg2","namespace":"db","uid":"c-2"},"spec":{"instances":2,"storage":{"size":"1Gi"},"walStorage":{"size":"1Gi"},"bootstrap":{"recovery":{"database":"app","owner":"app","volumeSnapshots":{"storage":{"name":"cold","kind":"VolumeSnapshot","apiGroup":"snapshot.storage.k8s.io"},"walStorage":{"name":"cold-wal","kind":"VolumeSnapshot","apiGroup":"snapshot.storage.k8s.io"}}}}}}"#
            ))
        let role = JobBuilder.bootstrapRole(for: cluster)
        #expect(role == .snapshotRecovery && JobBuilder.bootstrapDescription(role) == "from volumeSnapshots")
        let job = JobBuilder.job(for: cluster, serial: 1, role: role)
        #expect(job.metadata.name == "pg2-1-snapshot-recovery")
        let command = job.spec?.template.spec?.containers?.first?.command ?? []
        #expect(Array(command.prefix(3)) == ["/controller/manager", "instance", "restoresnapshot"], "\(command)")
        #expect(command.contains("--app-db-name") && command.contains("--pg-wal"), "\(command)")
        let claims = try PVCBuilder.claims(for: cluster, serial: 1, restoringFrom: cluster.spec.bootstrap?.recovery?.volumeSnapshots)
        #expect(claims.map { $0.spec?.dataSource?.name } == ["cold", "cold-wal"])
        #expect(try PVCBuilder.claims(for: cluster, serial: 2).allSatisfy { $0.spec?.dataSource == nil }, "later instances join by pg_basebackup")
    }
}

@Suite struct DeletedColdBackupTests {
    func backup(online: Bool?, phase: String?, pod: String?) throws -> Backup {
        var status: [(String, JSONValue)] = []
        if let online { status.append(("online", .bool(online))) }
        if let phase { status.append(("phase", .string(phase))) }
        if let pod { status.append(("instanceID", .object([("podName", .string(pod))]))) }
        var object = try JSONText.parse(
            #"{"apiVersion":"postgresql.cnpg.io/v1","kind":"Backup","metadata":{"name":"b","namespace":"db"},"spec":{"cluster":{"name":"pg"}}}"#)
        object = object.setting("status", to: .object(status))
        return try ObjectCodec.decode(Backup.self, from: object)
    }

    @Test("a cold backup deleted while started or running releases its instance's fence; nothing else does")
    func release() throws {
        #expect(SnapshotBackupPlan.fencedInstanceToRelease(try backup(online: false, phase: "running", pod: "pg-2")) == "pg-2")
        #expect(SnapshotBackupPlan.fencedInstanceToRelease(try backup(online: false, phase: "started", pod: "pg-2")) == "pg-2")
        for phase in ["pending", "finalizing", "completed", "failed"] {
            #expect(SnapshotBackupPlan.fencedInstanceToRelease(try backup(online: false, phase: phase, pod: "pg-2")) == nil, "\(phase)")
        }
        #expect(SnapshotBackupPlan.fencedInstanceToRelease(try backup(online: true, phase: "running", pod: "pg-2")) == nil)
        #expect(SnapshotBackupPlan.fencedInstanceToRelease(try backup(online: nil, phase: "running", pod: "pg-2")) == nil)
        #expect(SnapshotBackupPlan.fencedInstanceToRelease(try backup(online: false, phase: "running", pod: nil)) == nil)
    }
}
