import CNPGCore
import Foundation
import NIOHTTP1

/// The steps of one volume-snapshot Backup (see `BackupReconciler`); each call does what the
/// Backup's status says comes next and returns when to look again.
struct SnapshotBackupRun: Sendable {
    let reconciler: BackupReconciler
    let backup: Backup
    let cluster: Cluster
    let settings: SnapshotBackupPlan.Settings

    typealias Failure = BackupReconciler.Failure
    var client: any KubeClient { reconciler.client }
    var namespace: String { backup.metadata.namespace ?? "default" }
    var backupName: String { backup.metadata.name ?? "" }
    var clusterName: String { cluster.metadata.name ?? "" }
    static let poll: Duration = .seconds(1)

    /// Chooses the instance and records it (phase `started`).
    func start() async throws -> Duration? {
        let pods = try await client.list(.pods, namespace: namespace, labelSelector: "\(CNPGLabels.cluster)=\(clusterName)", fieldSelector: nil).items
        let observed = ObservedInstances(clusterName: clusterName, pods: pods, jobs: [], claims: [])
        let instances = observed.activePods
        let reports = await reconciler.statuses.poll(instances, caPEM: try await serverCA())
        let ready = observed.readyPodNames
        guard
            let target = SnapshotBackupPlan.targetInstance(
                target: settings.target, primary: cluster.status?.currentPrimary,
                reports: reports, readyPods: ready)
        else {
            if backup.status?.phase != BackupPhase.pending.rawValue {
                try await reconciler.writeStatus(backup, [("phase", .string(BackupPhase.pending.rawValue))])
            }
            return .seconds(5)
        }
        let pod = instances.first { ObservedInstances.name($0) == target }
        let containerID = pod?["status"]?["containerStatuses"]?.arrayValue?
            .first { $0["name"]?.stringValue == "postgres" }?["containerID"]?.stringValue
        let now = KubeTime.time(Date())
        try await reconciler.writeStatus(
            backup,
            [
                ("phase", .string(BackupPhase.started.rawValue)), ("method", .string("volumeSnapshot")), ("online", .bool(settings.online)),
                ("startedAt", .string(now)), ("reconciliationStartedAt", .string(now)),
                ("instanceID", .object([("podName", .string(target)), ("ContainerID", containerID.map(JSONValue.string) ?? .null)])),
            ])
        await reconciler.events.record(
            backup, reason: "Starting", message: "Backing up instance \(target) with volume snapshots (\(settings.online ? "online" : "cold"))")
        reconciler.logger.info("backup started", metadata: ["backup": "\(namespace)/\(backupName)", "instance": "\(target)", "online": "\(settings.online)"])
        return .milliseconds(100)
    }

    func proceed() async throws -> Duration? {
        guard let podName = backup.status?.instanceID?.podName else { throw Failure(description: "the Backup's status names no instance") }
        let pod: JSONValue
        do { pod = try await client.get(.pods, namespace: namespace, name: podName) } catch let error as KubeAPIError where error.isNotFound {
            throw Failure(description: "the instance being backed up (\(podName)) is gone")
        }
        if backup.status?.phase == BackupPhase.finalizing.rawValue { return try await awaitReady() }
        guard let ip = pod["status"]?["podIP"]?.stringValue else { return Self.poll }
        let volumes = try await instanceVolumes(podName)
        guard volumes.contains(where: { $0.role == "PG_DATA" }) else { throw Failure(description: "no PG_DATA volume found for \(podName)") }
        return settings.online
            ? try await online(ip: ip, volumes: volumes)
            : try await cold(podName: podName, ip: ip, volumes: volumes)
    }

    /// Online: the instance manager holds `pg_backup_start` while the volumes are snapshotted.
    private func online(ip: String, volumes: [SnapshotBackupPlan.Volume]) async throws -> Duration? {
        let caPEM = try await serverCA()
        let envelope = try await reconciler.statuses.onlineBackup(.GET, ip: ip, caPEM: caPEM)
        guard let session = envelope.data, session.backupName == backupName else {
            guard backup.status?.phase == BackupPhase.started.rawValue else {
                throw Failure(description: "the online backup session on \(backup.status?.instanceID?.podName ?? "") was lost (did the instance restart?)")
            }
            let request = OnlineBackup.StartRequest(
                backupName: backupName, immediateCheckpoint: settings.immediateCheckpoint,
                waitForArchive: settings.waitForArchive)
            let answer = try await reconciler.statuses.onlineBackup(.POST, ip: ip, caPEM: caPEM, body: request)
            if let error = answer.error, error.retryable != true { throw Failure(description: "cannot start the online backup: \(error.message)") }
            return Self.poll
        }
        if let error = envelope.error { throw Failure(description: error.message) }
        switch session.phase {
        case .starting, .closing:
            return Self.poll
        case .started:
            if backup.status?.phase != BackupPhase.running.rawValue {
                try await reconciler.writeStatus(
                    backup,
                    [
                        ("phase", .string(BackupPhase.running.rawValue)),
                        ("beginLSN", session.beginLSN.map(JSONValue.string) ?? .null),
                    ])
            }
            guard try await snapshotsTaken(volumes) else { return Self.poll }
            let answer = try await reconciler.statuses.onlineBackup(.PUT, ip: ip, caPEM: caPEM, body: OnlineBackup.StopRequest(backupName: backupName))
            if let error = answer.error, error.retryable != true { throw Failure(description: "cannot stop the online backup: \(error.message)") }
            return Self.poll
        case .completed:
            let label = session.labelFile.map { String(decoding: $0, as: UTF8.self) }
            try await finalize(
                volumes, begin: session.beginLSN.flatMap(LSN.init), end: session.endLSN.flatMap(LSN.init),
                timeline: label.flatMap(SnapshotBackupPlan.timeline(inLabel:)), labelFile: session.labelFile, tablespaceMap: session.spcmapFile)
            return Self.poll
        }
    }

    /// Cold: the instance is fenced (PostgreSQL shut down cleanly) while its volumes are snapshotted.
    private func cold(podName: String, ip: String, volumes: [SnapshotBackupPlan.Volume]) async throws -> Duration? {
        try await setFence(podName, on: true)
        let controldata = try await reconciler.statuses.controldata(ip: ip, caPEM: try await serverCA())
        let fields = Controldata.fields(controldata)
        guard fields["Database cluster state"]?.hasPrefix("shut down") == true else { return Self.poll }
        let checkpoint = fields["Latest checkpoint location"].flatMap(LSN.init)
        if backup.status?.phase != BackupPhase.running.rawValue {
            try await reconciler.writeStatus(
                backup,
                [
                    ("phase", .string(BackupPhase.running.rawValue)),
                    ("beginLSN", checkpoint.map { .string($0.description) } ?? .null),
                ])
        }
        guard try await snapshotsTaken(volumes) else { return Self.poll }
        try await setFence(podName, on: false)
        try await finalize(
            volumes, begin: checkpoint, end: checkpoint, timeline: fields["Latest checkpoint's TimeLineID"].flatMap { Int($0) },
            labelFile: nil, tablespaceMap: nil)
        return Self.poll
    }

    private func setFence(_ podName: String, on: Bool) async throws {
        guard try await Self.setFence(client: client, namespace: namespace, cluster: clusterName, pod: podName, on: on) else { return }
        await reconciler.events.record(
            backup, reason: on ? "FencePod" : "UnfencePod",
            message: on ? "Fencing Pod \(podName) for a cold backup" : "Unfencing Pod \(podName)")
    }

    /// Adds the pod to (or removes it from) the Cluster's `cnpg.io/fencedInstances`; whether that changed anything.
    @discardableResult
    static func setFence(client: any KubeClient, namespace: String, cluster: String, pod: String, on: Bool) async throws -> Bool {
        let current = try await client.get(Cluster.self, .clusters, namespace: namespace, name: cluster)
        var fenced = FencedInstances(cluster: current)
        if on {
            guard !fenced.contains(pod) else { return false }
            fenced.fence(pod)
        } else {
            guard fenced.names.contains(pod) else { return false }
            try fenced.unfence(pod)
        }
        _ = try await client.patch(
            .clusters, namespace: namespace, name: cluster,
            .object([
                (
                    "metadata",
                    .object([
                        (
                            "annotations",
                            .object([
                                (FencedInstances.annotation, fenced.annotationValue.map(JSONValue.string) ?? .null)
                            ])
                        )
                    ])
                )
            ]), patchType: .merge, subresource: nil, fieldManager: nil)
        return true
    }

    /// Creates the snapshots still missing; whether all of them have been cut (`creationTime`).
    private func snapshotsTaken(_ volumes: [SnapshotBackupPlan.Volume]) async throws -> Bool {
        let startedAt = backup.status?.startedAt.flatMap(KubeTime.parse) ?? Date()
        var taken = true
        for volume in volumes {
            let name = SnapshotBackupPlan.snapshotName(backup: backupName, volume: volume)
            let snapshot: JSONValue
            do {
                snapshot = try await client.get(.volumeSnapshots, namespace: namespace, name: name)
            } catch let error as KubeAPIError where error.isNotFound {
                let desired = SnapshotBackupPlan.snapshot(
                    of: volume, backup: backup, cluster: cluster, online: settings.online,
                    startedAt: startedAt, timeline: nil)
                _ = try await client.create(.volumeSnapshots, namespace: namespace, desired)
                taken = false
                continue
            }
            guard snapshot["metadata"]?["labels"]?["cnpg.io/backupName"]?.stringValue == backupName else {
                throw Failure(description: "a VolumeSnapshot named \(name) already exists and belongs to no part of this backup")
            }
            try checkDeadline(snapshot, startedAt: startedAt)
            if snapshot["status"]?["creationTime"] == nil { taken = false }
        }
        return taken
    }

    /// A snapshot in error fails the backup once `cnpg.io/volumeSnapshotDeadline` minutes (10) have passed.
    private func checkDeadline(_ snapshot: JSONValue, startedAt: Date) throws {
        guard let message = snapshot["status"]?["error"]?["message"]?.stringValue else { return }
        let minutes = backup.metadata.annotation(CNPGAnnotations.volumeSnapshotDeadline).flatMap { Int($0) } ?? 10
        if Date().timeIntervalSince(startedAt) > Double(minutes * 60) {
            throw Failure(description: "volume snapshot \(snapshot["metadata"]?["name"]?.stringValue ?? ""): \(message)")
        }
    }

    /// Records what the backup holds on its snapshots and its status (phase `finalizing`).
    private func finalize(
        _ volumes: [SnapshotBackupPlan.Volume], begin: LSN?, end: LSN?, timeline: Int?, labelFile: Data?,
        tablespaceMap: Data?
    ) async throws {
        let now = KubeTime.time(Date())
        let beginWal = begin.flatMap { lsn in timeline.map { SnapshotBackupPlan.walFileName(lsn: lsn, timeline: $0) } }
        let endWal = end.flatMap { lsn in timeline.map { SnapshotBackupPlan.walFileName(lsn: lsn, timeline: $0) } }
        var elements: [JSONValue] = []
        for volume in volumes {
            let name = SnapshotBackupPlan.snapshotName(backup: backupName, volume: volume)
            var annotations: [(String, JSONValue)] = [("cnpg.io/backupEndTime", .string(now)), ("cnpg.io/snapshotEndTime", .string(now))]
            if let beginWal { annotations.append(("cnpg.io/backupStartWAL", .string(beginWal))) }
            if let endWal { annotations.append(("cnpg.io/backupEndWAL", .string(endWal))) }
            if let labelFile { annotations.append(("cnpg.io/backupLabelFile", .string(labelFile.base64EncodedString()))) }
            if let tablespaceMap, !tablespaceMap.isEmpty {
                annotations.append(("cnpg.io/backupTablespaceMapFile", .string(tablespaceMap.base64EncodedString())))
            }
            var metadata: [(String, JSONValue)] = [("annotations", .object(annotations))]
            if let timeline { metadata.append(("labels", .object([("cnpg.io/backupTimeline", .string(String(timeline)))]))) }
            _ = try await client.patch(
                .volumeSnapshots, namespace: namespace, name: name, .object([("metadata", .object(metadata))]),
                patchType: .merge, subresource: nil, fieldManager: nil)
            var element: [(String, JSONValue)] = [("name", .string(name)), ("type", .string(volume.role))]
            if let tablespace = volume.tablespace { element.append(("tablespaceName", .string(tablespace))) }
            elements.append(.object(element))
        }
        var fields: [(String, JSONValue)] = [
            ("phase", .string(BackupPhase.finalizing.rawValue)),
            ("snapshotBackupStatus", .object([("elements", .array(elements))])),
            ("backupName", .string(backupName)),
        ]
        if let begin { fields.append(("beginLSN", .string(begin.description))) }
        if let end { fields.append(("endLSN", .string(end.description))) }
        if let beginWal { fields.append(("beginWal", .string(beginWal))) }
        if let endWal { fields.append(("endWal", .string(endWal))) }
        if let labelFile { fields.append(("backupLabelFile", .string(labelFile.base64EncodedString()))) }
        if let tablespaceMap, !tablespaceMap.isEmpty { fields.append(("tablespaceMapFile", .string(tablespaceMap.base64EncodedString()))) }
        try await reconciler.writeStatus(backup, fields)
    }

    /// `finalizing`: done once every snapshot is ready to use.
    private func awaitReady() async throws -> Duration? {
        let startedAt = backup.status?.startedAt.flatMap(KubeTime.parse) ?? Date()
        for element in backup.status?.snapshotBackupStatus?.elements ?? [] {
            let snapshot = try await client.get(.volumeSnapshots, namespace: namespace, name: element.name)
            try checkDeadline(snapshot, startedAt: startedAt)
            guard snapshot["status"]?["readyToUse"] == .bool(true) else { return Self.poll }
        }
        let now = KubeTime.time(Date())
        try await reconciler.writeStatus(
            backup,
            [
                ("phase", .string(BackupPhase.completed.rawValue)), ("stoppedAt", .string(now)),
                ("reconciliationTerminatedAt", .string(now)),
            ])
        await reconciler.events.record(backup, reason: "Completed", message: "Backup completed")
        reconciler.logger.info("backup completed", metadata: ["backup": "\(namespace)/\(backupName)"])
        try await reconciler.recordOnCluster(backup, succeeded: true, message: "", at: now, method: "volumeSnapshot")
        return nil
    }

    /// The instance's PVCs, with their roles.
    private func instanceVolumes(_ podName: String) async throws -> [SnapshotBackupPlan.Volume] {
        let claims = try await client.list(
            .persistentVolumeClaims, namespace: namespace,
            labelSelector: "\(CNPGLabels.instanceName)=\(podName)", fieldSelector: nil
        ).items
        return claims.compactMap { claim in
            guard let name = claim["metadata"]?["name"]?.stringValue, claim["metadata"]?["deletionTimestamp"] == nil else { return nil }
            let labels = claim["metadata"]?["labels"]
            return SnapshotBackupPlan.Volume(
                claimName: name, role: labels?[CNPGLabels.pvcRole]?.stringValue ?? "PG_DATA",
                tablespace: labels?[CNPGLabels.tablespaceName]?.stringValue)
        }.sorted { $0.claimName < $1.claimName }
    }

    private func serverCA() async throws -> String? {
        let name = ClusterCertificateNames(cluster: cluster).serverCASecret
        guard let object = try? await client.get(.secrets, namespace: namespace, name: name) else { return nil }
        return try ObjectCodec.decode(Secret.self, from: object).stringValues["ca.crt"]
    }
}
