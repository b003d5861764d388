import Foundation

/// When a ScheduledBackup creates its next Backup, and that Backup, as CNPG's controller does.
public enum ScheduledBackupPlan {
    public enum Step: Equatable, Sendable {
        /// `spec.suspend`: nothing happens.
        case suspended
        /// The schedule does not parse (or never fires): said in `status.error`.
        case invalid(String)
        /// Create the Backup for `scheduledAt` now; the status then says `next`.
        case createBackup(scheduledAt: Date, immediate: Bool, next: Date)
        /// Nothing due: record the check and look again at `next`.
        case wait(next: Date)
    }

    /// The step at `now`: the first check creates a Backup only with `spec.immediate`; later
    /// ones when the schedule fired since the last check (several missed firings make one Backup).
    public static func next(_ scheduled: ScheduledBackup, now: Date) -> Step {
        if scheduled.spec.suspend == true { return .suspended }
        let schedule: CronSchedule
        switch CronSchedule.parse(scheduled.spec.schedule) {
        case .success(let parsed): schedule = parsed
        case .failure(let problem): return .invalid("invalid schedule \"\(scheduled.spec.schedule)\": \(problem.message)")
        }
        guard let following = schedule.next(after: now) else { return .invalid("the schedule \"\(scheduled.spec.schedule)\" never fires") }
        guard let lastCheck = scheduled.status?.lastCheckTime.flatMap(KubeTime.parse) else {
            return scheduled.spec.immediate == true
                ? .createBackup(scheduledAt: now, immediate: true, next: following)
                : .wait(next: following)
        }
        guard let due = schedule.next(after: lastCheck), due <= now else { return .wait(next: schedule.next(after: lastCheck) ?? following) }
        return .createBackup(scheduledAt: due, immediate: false, next: following)
    }

    /// CNPG's name: `<scheduledbackup>-<YYYYMMDDhhmmss>` of the scheduled time (UTC).
    public static func backupName(_ scheduled: ScheduledBackup, at time: Date) -> String {
        "\(scheduled.metadata.name ?? "")-\(KubeTime.compactStamp(time))"
    }

    /// The Backup: the ScheduledBackup's method, target and online settings for its cluster, its
    /// annotations, the labels naming it, and the owner `backupOwnerReference` asks for.
    public static func backup(for scheduled: ScheduledBackup, cluster: Cluster?, at time: Date, immediate: Bool) -> Backup {
        var metadata = ObjectMeta(name: backupName(scheduled, at: time), namespace: scheduled.metadata.namespace)
        var annotations = scheduled.metadata.annotations ?? [:]
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = nil
        var labels: [String: String] = [
            CNPGLabels.cluster: scheduled.spec.cluster.name, "cnpg.io/scheduled-backup": scheduled.metadata.name ?? "",
            "cnpg.io/immediateBackup": String(immediate),
        ]
        switch scheduled.spec.backupOwnerReference ?? "none" {
        case "self":
            if let uid = scheduled.metadata.uid {
                metadata.ownerReferences = [
                    OwnerReference(
                        apiVersion: CNPG.apiVersion, kind: ScheduledBackup.kind, name: scheduled.metadata.name ?? "",
                        uid: uid, controller: true, blockOwnerDeletion: true)
                ]
            }
        case "cluster":
            if let cluster, let uid = cluster.metadata.uid {
                metadata.ownerReferences = [
                    OwnerReference(
                        apiVersion: CNPG.apiVersion, kind: Cluster.kind, name: cluster.metadata.name ?? "",
                        uid: uid, controller: true, blockOwnerDeletion: true)
                ]
                labels.merge(cluster.spec.inheritedMetadata?.labels ?? [:]) { current, _ in current }
                annotations.merge(cluster.spec.inheritedMetadata?.annotations ?? [:]) { current, _ in current }
            }
        default: break
        }
        metadata.labels = labels
        metadata.annotations = annotations.isEmpty ? nil : annotations
        var spec = BackupSpec(cluster: scheduled.spec.cluster)
        spec.target = scheduled.spec.target
        spec.method = scheduled.spec.method
        spec.online = scheduled.spec.online
        spec.onlineConfiguration = scheduled.spec.onlineConfiguration
        spec.pluginConfiguration = scheduled.spec.pluginConfiguration
        return Backup(apiVersion: CNPG.apiVersion, kind: Backup.kind, metadata: metadata, spec: spec, status: nil)
    }
}
