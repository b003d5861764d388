import CNPGCore
import Foundation
import Logging

/// The instance side of the Cluster: on every change (and periodically) it refreshes TLS and
/// configuration files and reloads, promotes when the operator targets this instance, and on the
/// primary keeps system roles, replication slots and passwords as the Cluster says.
actor InstanceReconciler {
    let podName: String
    let clusterName: String
    let access: ClusterAccess
    let writer: InstanceFilesWriter
    let postmaster: Postmaster
    let database: LocalDatabase
    let formerPrimary: FormerPrimary
    let lease: PrimaryLeaseHolder
    let logger: Logger
    /// Told of every Cluster read and its custom-queries sources.
    var metrics: MetricsExporter?
    private(set) var cluster: Cluster?
    /// The key pair the status and metrics servers present, reloaded when the server certificate is renewed.
    private var servingCertificate: ServingCertificate?
    private var appliedPasswordVersions: [String: String] = [:]
    private var systemRolesReady = false
    /// The pooler role and its auth function exist (made once a Pooler integration is listed).
    private var poolerIntegrationReady = false
    /// The FailoverQuorum status last written (written again only when it changes).
    private var reportedQuorum: FailoverQuorumStatus??
    /// Set when this primary stopped because it lost its Lease: nothing more is done until the
    /// manager exits and starts over.
    private var steppedDown = false

    init(
        podName: String, clusterName: String, access: ClusterAccess, writer: InstanceFilesWriter, postmaster: Postmaster,
        database: LocalDatabase, formerPrimary: FormerPrimary, lease: PrimaryLeaseHolder, metrics: MetricsExporter? = nil, logger: Logger
    ) {
        self.lease = lease
        self.metrics = metrics
        self.formerPrimary = formerPrimary
        self.podName = podName
        self.clusterName = clusterName
        self.access = access
        self.writer = writer
        self.postmaster = postmaster
        self.database = database
        self.logger = logger
    }

    var primaryHost: String { "\(clusterName)-rw" }

    func serve(_ certificate: ServingCertificate) { servingCertificate = certificate }

    /// Before the first start: which role PGDATA is in, and every file written for it.
    func prepare(initial: Cluster) async throws {
        var cluster = initial
        _ = try await writer.writeCertificates(cluster: cluster, access: access)
        var standby = writer.isStandbyOnDisk
        if !standby {
            // A primary on disk runs as primary only when the operator targets it.
            while (cluster.status?.targetPrimary ?? "").isEmpty {
                logger.info("waiting for the operator to choose the target primary")
                try await Task.sleep(for: .seconds(1))
                cluster = try await access.cluster()
            }
            if cluster.status?.targetPrimary == podName { cluster = try await acquirePrimaryLease(cluster) }
            if cluster.status?.targetPrimary != podName {
                cluster = try await rejoinAsReplica(cluster)
                standby = true
            } else if (cluster.status?.currentPrimary ?? "").isEmpty {
                try await access.patchStatus([("currentPrimary", .string(podName)), ("currentPrimaryTimestamp", .string(Self.now()))])
            }
        }
        self.cluster = cluster
        try writer.writeConfiguration(cluster: cluster, role: role(onDiskStandby: standby))
        chmod(writer.paths.dataDirectory, 0o700)
    }

    /// Waits until this instance holds the primary Lease, unless the operator targets another
    /// instance meanwhile; returns the Cluster as last read.
    private func acquirePrimaryLease(_ initial: Cluster) async throws -> Cluster {
        var cluster = initial
        while !(await lease.acquire(cluster: cluster)) {
            cluster = try await access.cluster()
            if cluster.status?.targetPrimary != podName { return cluster }
        }
        return cluster
    }

    /// The Lease is lost (another holder, or isolated past the renew deadline): stop taking
    /// writes now (fast, then immediate) without handing the Lease over; the manager then exits
    /// and its next start acquires the Lease again or rejoins as a replica.
    func stepDown(reason: String) async {
        guard !steppedDown else { return }
        steppedDown = true
        await lease.abandon()
        logger.warning("stepping down as primary: stopping PostgreSQL", metadata: ["reason": "\(reason)"])
        await postmaster.shutdownFastImmediate(timeoutSeconds: 5)
    }

    /// A clean exit hands the Lease over, unless this primary stepped down because it lost it.
    func releasePrimaryLease() async {
        guard !steppedDown else { return }
        await lease.release()
    }

    /// A former primary: wait until the new primary is in place (CNPG: currentPrimary equals
    /// targetPrimary), then rewind onto its timeline; the caller makes it that primary's standby.
    private func rejoinAsReplica(_ initial: Cluster) async throws -> Cluster {
        var cluster = initial
        while cluster.status?.currentPrimary != cluster.status?.targetPrimary {
            logger.info("waiting for the new primary before rejoining", metadata: ["target": "\(cluster.status?.targetPrimary ?? "")"])
            try await Task.sleep(for: .seconds(1))
            cluster = try await access.cluster()
        }
        logger.info("this instance was a primary: rejoining as a replica", metadata: ["primary": "\(cluster.status?.targetPrimary ?? "")"])
        await postmaster.removeStalePidFile()
        try await formerPrimary.rewind(primaryHost: primaryHost)
        return cluster
    }

    func role(onDiskStandby: Bool) -> InstanceConfigurationFiles.Role {
        onDiskStandby ? .standby(primaryHost: primaryHost) : .primary
    }

    /// The postmaster (re)started: system roles must be checked again.
    func postmasterStarted() { systemRolesReady = false }

    /// Whether the Cluster last read fences this instance (`cnpg.io/fencedInstances`).
    var fencesThisInstance: Bool { cluster.map { FencedInstances(cluster: $0).contains(podName) } ?? false }

    /// One pass; failures are logged and retried on the next pass. False when it failed.
    @discardableResult
    func reconcile() async -> Bool {
        do {
            try await reconcileOnce()
            return true
        } catch {
            logger.error("instance reconcile failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    private func reconcileOnce() async throws {
        guard !steppedDown else { return }
        let cluster = try await access.cluster()
        self.cluster = cluster
        if let metrics {
            await metrics.update(cluster: cluster, sources: await MonitoringSources.load(cluster: cluster, access: access, logger: logger))
        }
        let fenced = FencedInstances(cluster: cluster).contains(podName)
        if fenced, await !postmaster.isFenced {
            await postmaster.fence(timeoutSeconds: Int(cluster.spec.switchoverDelay ?? 3600))
        } else if !fenced, await postmaster.isFenced {
            try await postmaster.unfence()
        }
        guard await postmaster.isRunning, await database.isAccepting() else { return }
        await postmaster.beginUnfenceGrace()
        let changed = try await writer.writeCertificates(cluster: cluster, access: access)
        if changed, let servingCertificate,
            try servingCertificate.load(certificateFile: writer.paths.certificate(.serverCertificate), keyFile: writer.paths.certificate(.serverKey))
        {
            logger.info("the status and metrics servers now present the renewed server certificate")
        }
        let target = cluster.status?.targetPrimary ?? ""
        let isTarget = target == podName
        if !writer.isStandbyOnDisk, !target.isEmpty, !isTarget {
            // CNPG's old-primary duty: stop (Fast→Immediate) so no write lands after the switch; the
            // manager then exits, and on restart rewinds and rejoins as a replica.
            logger.info("another instance is the target primary: shutting down to rejoin as its replica", metadata: ["target": "\(target)"])
            await postmaster.shutdownFastImmediate(timeoutSeconds: Int(cluster.spec.switchoverDelay ?? 3600))
            // Stopped cleanly: the new primary may take the Lease at once.
            if await !postmaster.isRunning { await lease.release() }
            return
        }
        if writer.isStandbyOnDisk, isTarget {
            // The former primary hands the Lease over once it stopped; a lost one lets it expire.
            guard await lease.acquire(cluster: cluster) else { return }
            if let former = cluster.status?.currentPrimary, !former.isEmpty, former != podName {
                await waitForFormerPrimaryToStopStreaming(former)
            }
            promotionUnrecorded = true
            try await promote()
        }
        if promotionUnrecorded, !writer.isStandbyOnDisk {
            // Right after the promotion, or on a later pass when `pg_ctl promote`, the checkpoint or
            // the status patch failed: the operator and the former primary wait for this record.
            if isTarget, cluster.status?.currentPrimary != podName { try await recordAsCurrentPrimary() }
            promotionUnrecorded = false
        }
        if !writer.isStandbyOnDisk, isTarget, cluster.status?.phase == ClusterStatusBuilder.Phase.inPlaceRestart {
            // Passes interleave at each await: only one of them restarts.
            guard !restartingInPlace else { return }
            restartingInPlace = true
            defer { restartingInPlace = false }
            try await restartInPlace(cluster)
            return
        }
        let configuration = try writer.writeConfiguration(cluster: cluster, role: role(onDiskStandby: writer.isStandbyOnDisk))
        let reportsQuorum = !writer.isStandbyOnDisk && FailoverQuorumCheck.isActive(cluster)
        if changed || configuration.changed {
            if reportsQuorum, configuration.changed { try await reportFailoverQuorum(nil) }
            try await reloadConfiguration(expectedHash: configuration.configurationHash)
        }
        if reportsQuorum {
            let metadata = try await database.withConnection { connection in
                try await connection.text(
                    "SELECT COALESCE(current_setting('cnpg.synchronous_standby_names_metadata', true), '')", logger: self.logger)
            }
            try await reportFailoverQuorum(FailoverQuorumCheck.status(metadata: metadata ?? "", primary: podName))
        }
        if !writer.isStandbyOnDisk {
            let duties = PrimaryDuties(database: database, podName: podName)
            if !systemRolesReady {
                try await duties.ensureSystemRoles()
                systemRolesReady = true
            }
            if !(cluster.status?.poolerIntegrations?.pgBouncerIntegration?.secrets ?? []).isEmpty, !poolerIntegrationReady {
                try await duties.ensurePoolerIntegration()
                poolerIntegrationReady = true
            }
            try await duties.reconcileReplicationSlots(cluster: cluster)
            try await reconcilePasswords(cluster: cluster, duties: duties)
            try await ManagedRoleSync(database: database, access: access, logger: logger).reconcile(cluster: cluster)
        }
    }

    /// The operator's rolling update asked this primary to restart PostgreSQL in place (a pending
    /// restart, a restart request): Smart→Fast, start again, wait until it accepts connections
    /// (at most startDelay), then end the phase as CNPG's instance manager does.
    private var restartingInPlace = false

    private func restartInPlace(_ cluster: Cluster) async throws {
        logger.info("restarting PostgreSQL in place", metadata: ["reason": "\(cluster.status?.phaseReason ?? "")"])
        try await postmaster.restartInPlace(
            smartShutdownTimeout: Int(cluster.spec.smartShutdownTimeout ?? 180),
            stopDelay: Int(cluster.spec.stopDelay ?? 1800))
        let deadline = ContinuousClock.now + .seconds(Int64(cluster.spec.startDelay ?? 3600))
        while ContinuousClock.now < deadline {
            if await postmaster.isRunning, await database.isAccepting() { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        try await access.patchStatus([
            ("phase", .string(ClusterStatusBuilder.Phase.healthy)),
            ("phaseReason", .string("Primary instance restarted in-place")),
        ])
        logger.info("PostgreSQL restarted in place")
    }

    /// Switchover safety, as CNPG: a standby promoted while the former primary still streams to
    /// it could miss WAL the former primary acknowledged (with quorum replication, another
    /// standby may hold it). A former primary that shuts down cleanly sends all its WAL before
    /// its walsender ends, so promotion waits, at most 30 s, until this standby's WAL receiver no
    /// longer streams (after a crash it has already stopped).
    private func waitForFormerPrimaryToStopStreaming(_ former: String) async {
        let deadline = ContinuousClock.now + .seconds(30)
        var announced = false
        while ContinuousClock.now < deadline {
            let streaming = try? await database.withConnection { connection in
                try await connection.text("SELECT count(*)::text FROM pg_catalog.pg_stat_wal_receiver WHERE status = 'streaming'", logger: self.logger)
            }
            if streaming == "0" { return }
            if !announced {
                logger.info("waiting for the former primary to stop streaming before promoting", metadata: ["former": "\(former)"])
                announced = true
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        logger.warning("the former primary still streams after 30 s: promoting anyway", metadata: ["former": "\(former)"])
    }

    /// Set when this process asks PostgreSQL to promote, cleared once the status records it. Only a
    /// promotion made here is recorded: a primary on disk that the status does not name (a former
    /// primary targeted before it rejoined) must not claim the role on its old timeline.
    private var promotionUnrecorded = false

    /// `pg_ctl promote`; `recordAsCurrentPrimary` follows in the same pass.
    private func promote() async throws {
        logger.info("promoting this instance to primary")
        try await postmaster.promote()
        for _ in 0..<600 where writer.isStandbyOnDisk { try await Task.sleep(for: .milliseconds(100)) }
    }

    /// The status names this instance the current primary, after a checkpoint: a former primary
    /// rewinds from this one once it reads the record, and pg_rewind reads the new timeline from
    /// the control file the checkpoint writes.
    private func recordAsCurrentPrimary() async throws {
        try await database.execute(["CHECKPOINT"])
        try await access.patchStatus([("currentPrimary", .string(podName)), ("currentPrimaryTimestamp", .string(Self.now()))])
        logger.info("promoted", metadata: ["pod": "\(podName)"])
    }

    private func reportFailoverQuorum(_ status: FailoverQuorumStatus?) async throws {
        guard reportedQuorum != .some(status) else { return }
        try await access.reportFailoverQuorum(status)
        reportedQuorum = .some(status)
        logger.info("failover quorum reported", metadata: ["standbyNames": "\(status?.standbyNames ?? [])", "standbyNumber": "\(status?.standbyNumber ?? 0)"])
    }

    /// Reload and wait until the server runs the configuration just written (its hash).
    private func reloadConfiguration(expectedHash expected: String) async throws {
        try await postmaster.reload()
        for _ in 0..<100 {
            let loaded = try await database.withConnection { connection in
                try await connection.text("SELECT COALESCE(current_setting('cnpg.config_sha256', true), '')", logger: self.logger)
            }
            if loaded == expected { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        logger.info("configuration reloaded")
    }

    /// The app owner's password from the app secret; `postgres`'s from the superuser secret when
    /// superuser access is enabled, else none at all.
    private func reconcilePasswords(cluster: Cluster, duties: PrimaryDuties) async throws {
        let appSecret = InstanceRBAC.applicationSecretName(for: cluster)
        if let secret = try await access.secret(appSecret), let user = secret.values["username"], let password = secret.values["password"],
            appliedPasswordVersions[user] != secret.resourceVersion, user != "postgres"
        {
            try await duties.setPassword(role: user, password: password)
            appliedPasswordVersions[user] = secret.resourceVersion
            logger.info("password updated", metadata: ["role": "\(user)", "secret": "\(appSecret)"])
        }
        if cluster.spec.enableSuperuserAccess == true {
            let name = cluster.spec.superuserSecret?.name ?? "\(clusterName)-superuser"
            guard let secret = try await access.secret(name), appliedPasswordVersions["postgres"] != secret.resourceVersion else { return }
            guard secret.values["username"] == "postgres", let password = secret.values["password"] else {
                logger.error("the superuser secret must have username postgres and a password", metadata: ["secret": "\(name)"])
                return
            }
            try await duties.setPassword(role: "postgres", password: password)
            appliedPasswordVersions["postgres"] = secret.resourceVersion
            logger.info("superuser password updated", metadata: ["secret": "\(name)"])
        } else {
            appliedPasswordVersions["postgres"] = nil
            if try await duties.hasPassword(role: "postgres") {
                try await duties.setPassword(role: "postgres", password: nil)
                logger.info("superuser access disabled: postgres has no password")
            }
        }
    }

    static func now() -> String { Date().formatted(.iso8601) }
}
