import Foundation

/// `kubectl cnpg status`: what was collected about a Cluster, and its text rendering in CNPG's
/// sections (summary, certificates, backup, streaming replication, instances; with -v the
/// PostgreSQL configuration and pg_hba the instances run).
public struct ClusterStatusView: Sendable {
    public var cluster: Cluster
    /// The Cluster's pods (owned by it), by name.
    public var pods: [String: JSONValue]
    /// Each pod's `/pg/status`, by pod name.
    public var reports: [String: InstanceStatus]
    /// Pods whose status could not be read, with the reason.
    public var errors: [String: String]
    /// The Cluster's PodDisruptionBudgets (with their status), for `-v`.
    public var budgets: [JSONValue] = []
    /// The primary's PGDATA size (`du -sLh` in its postgres container), or why it is unknown.
    public var size: Result<String, PluginExecError>?
    public var now: Date

    public init(cluster: Cluster, pods: [String: JSONValue], reports: [String: InstanceStatus], errors: [String: String], now: Date = Date()) {
        self.cluster = cluster
        self.pods = pods
        self.reports = reports
        self.errors = errors
        self.now = now
    }

    public struct Style: Sendable {
        public var color: Bool
        public init(color: Bool) { self.color = color }
        func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        func green(_ text: String) -> String { paint(text, "32") }
        func yellow(_ text: String) -> String { paint(text, "33") }
        func red(_ text: String) -> String { paint(text, "31") }
        func heading(_ text: String) -> String { paint(text, "1") }
    }

    var name: String { cluster.metadata.name ?? "" }
    var primaryName: String? { cluster.status?.currentPrimary }

    var isHibernated: Bool {
        cluster.status?.conditions?.contains { $0.type == Hibernation.conditionType && $0.status == "True" } ?? false
    }

    var isPrimaryFenced: Bool {
        guard let primary = cluster.status?.currentPrimary else { return false }
        return FencedInstances(cluster: cluster).contains(primary)
    }

    /// Whether measuring the size makes sense: a primary that runs, neither hibernated nor fenced.
    public var wantsSize: Bool { !isHibernated && !isPrimaryFenced && primaryName.map { pods[$0] != nil } == true }

    /// What the `Size:` line shows (and `TotalClusterSize` holds).
    func sizeText(_ style: Style) -> String {
        if isHibernated { return "- (hibernated)" }
        if isPrimaryFenced { return "- (fenced)" }
        switch size {
        case .success(let measured)?: return measured
        case .failure(let error)?: return style.red(error.description)
        case nil: return ""
        }
    }
    var primaryReport: InstanceStatus? { primaryName.flatMap { reports[$0] } }

    public func render(verbosity: Int, style: Style) -> String {
        var sections = [summary(style)]
        if let hibernation = hibernation(style) { sections.append(hibernation) }
        sections.append(certificates(style))
        if verbosity >= 1 { sections.append(configuration(style)) }
        if !isHibernated {
            sections.append(style.heading("Continuous Backup status") + "\n" + style.yellow("Continuous Backup not configured") + "\n")
            sections.append(streamingReplication(style))
            if verbosity >= 1 { sections += [managedRoles(style), tablespaces(style), disruptionBudgets(style)] }
            sections.append(instances(style))
        }
        if verbosity >= 1 { sections.append(plugins(style)) }
        if !errors.isEmpty {
            sections.append(style.red("Error(s) extracting status") + "\n" + errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)\n" }.joined())
        }
        return sections.joined(separator: "\n")
    }

    func keyValues(_ rows: [(String, String)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width + 1, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n") + "\n"
    }

    func summary(_ style: Style) -> String {
        let status = cluster.status
        var text = style.green(style.heading("Cluster Summary")) + "\n"
        if let target = status?.targetPrimary, target != (status?.currentPrimary ?? "") {
            text += style.red((status?.currentPrimary ?? "").isEmpty ? "Primary server is initializing" : "Switchover in progress") + "\n"
        }
        var rows: [(String, String)] = [("Name", "\(cluster.metadata.namespace ?? "default")/\(name)")]
        if let report = primaryReport, !report.systemID.isEmpty { rows.append(("System ID:", report.systemID)) }
        rows.append(("PostgreSQL Image:", InstancePodBuilder.image(for: cluster)))
        var primary = status?.currentPrimary ?? ""
        if let target = status?.targetPrimary, !primary.isEmpty, target != primary { primary += " (switching to \(target))" }
        rows.append(("Primary instance:", primary))
        let fenced = FencedInstances(cluster: cluster)
        if isHibernated {
            rows.append(("Status:", style.yellow("Hibernated")))
        } else if isPrimaryFenced {
            rows.append(("Status:", style.red("Primary instance is fenced")))
        } else {
            if let promoted = status?.currentPrimaryTimestamp.flatMap(KubeTime.parse) {
                rows.append(("Primary promotion time:", "\(KubeTime.goTime(promoted)) (\(KubeTime.humanDuration(seconds: now.timeIntervalSince(promoted))))"))
            }
            let phase = status?.phase ?? ""
            let phaseText = [phase, status?.phaseReason ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
            let painted: String
            switch phase {
            case ClusterStatusBuilder.Phase.healthy, ClusterStatusBuilder.Phase.firstPrimary, ClusterStatusBuilder.Phase.creatingReplica:
                painted = style.green(phaseText)
            case ClusterStatusBuilder.Phase.upgrading, ClusterStatusBuilder.Phase.waitingForUser: painted = style.yellow(phaseText)
            default: painted = style.red(phaseText)
            }
            rows.append(("Status:", painted))
        }
        let desired = cluster.spec.instances ?? 1
        let instances = String(status?.instances ?? 0)
        rows.append(("Instances:", desired == status?.instances ? style.green(instances) : style.red(instances)))
        rows.append(("Ready instances:", String(status?.readyInstances ?? 0)))
        if !fenced.isEmpty { rows.append(("Fenced instances:", fenced.all ? "All Instances" : fenced.names.joined(separator: ", "))) }
        rows.append(("Size:", sizeText(style)))
        if let report = primaryReport, let lsn = report.currentLsn {
            rows.append(("Current Write LSN:", "\(lsn) (Timeline: \(report.timeLineID ?? 0) - WAL File: \(report.currentWAL ?? ""))"))
        }
        return text + keyValues(rows)
    }

    func certificates(_ style: Style) -> String {
        var table = TextTable(["Certificate Name", "Expiration Date", "Days Left Until Expiration"])
        for (secret, expiration) in (cluster.status?.certificates?.expirations ?? [:]).sorted(by: { $0.key < $1.key }) {
            let days = KubeTime.parseGoTime(expiration).map { $0.timeIntervalSince(now) / 86_400 }
            let left: String
            switch days {
            case nil: left = "-"
            case let value? where value <= 0: left = style.red("Expired")
            case let value? where value < 7: left = style.yellow(String(format: "%.2f - Expires Soon", value))
            case let value?: left = String(format: "%.2f", value)
            }
            table.add([secret, expiration, left])
        }
        return style.heading("Certificates Status") + "\n" + table.rendered
    }

    func configuration(_ style: Style) -> String {
        let major = (try? ImageReference.postgresMajorVersion(of: InstancePodBuilder.image(for: cluster)).get()) ?? 17
        guard
            let files = try? InstanceConfigurationFiles.render(
                cluster: cluster, podName: primaryName ?? "\(name)-1", role: .primary,
                paths: InstancePaths(), majorVersion: major)
        else { return "" }
        return style.heading("PostgreSQL Configuration") + "\n" + files.customConf + "\n" + style.heading("PostgreSQL HBA Rules") + "\n" + files.pgHBA
    }

    func streamingReplication(_ style: Style) -> String {
        let heading = style.heading("Streaming Replication status") + "\n"
        if (cluster.spec.instances ?? 1) == 1 { return heading + "Not configured\n" }
        guard let primary = primaryReport else { return heading + "Primary instance not found\n" }
        guard let replication = primary.replicationInfo, !replication.isEmpty else { return heading + "Not available yet\n" }
        let slotsEnabled = cluster.spec.replicationSlots?.highAvailability?.enabled ?? true
        var headers = [
            "Name", "Sent LSN", "Write LSN", "Flush LSN", "Replay LSN", "Write Lag", "Flush Lag", "Replay Lag", "State", "Sync State", "Sync Priority",
        ]
        if slotsEnabled { headers.append("Replication Slot") }
        var table = TextTable(headers)
        let rows = replication.sorted { lhs, rhs in
            if lhs.syncState != rhs.syncState { return lhs.syncState < rhs.syncState }
            if lhs.state != rhs.state { return lhs.state < rhs.state }
            if lhs.receivedLsn != rhs.receivedLsn { return (lhs.receivedLsn ?? LSN(value: 0)) > (rhs.receivedLsn ?? LSN(value: 0)) }
            return lhs.applicationName < rhs.applicationName
        }
        for row in rows {
            var cells = [
                row.applicationName, text(row.receivedLsn), text(row.writeLsn), text(row.flushLsn), text(row.replayLsn),
                row.writeLag, row.flushLag, row.replayLag, row.state, row.syncState, row.syncPriority,
            ]
            if slotsEnabled {
                let slot = "_cnpg_" + row.applicationName.replacingOccurrences(of: "-", with: "_")
                let info = primary.replicationSlotsInfo?.first { $0.slotName == slot }
                cells.append(info.map { $0.active ? "active" : "inactive" } ?? "-")
            }
            table.add(cells)
        }
        return heading + (slotsEnabled ? "Replication Slots Enabled\n" : "") + table.rendered
    }

    /// `status.managedRolesStatus`: roles by state, and those that cannot be reconciled with why.
    func managedRoles(_ style: Style) -> String {
        var text = style.heading("Managed roles status") + "\n"
        let status = cluster.status?.managedRolesStatus
        guard !(cluster.spec.managed?.roles ?? []).isEmpty || status?.byStatus != nil else { return text + "No roles managed\n" }
        var table = TextTable(["Status", "Roles"])
        for (state, roles) in (status?.byStatus ?? [:]).sorted(by: { $0.key < $1.key }) { table.add([state, roles.sorted().joined(separator: ",")]) }
        text += table.rendered
        if let problems = status?.cannotReconcile, !problems.isEmpty {
            var errors = TextTable(["Role", "Errors"])
            for (role, messages) in problems.sorted(by: { $0.key < $1.key }) { errors.add([role, messages.joined(separator: "; ")]) }
            text += "\n" + style.red("Irreconcilable roles") + "\n" + errors.rendered
        }
        return text
    }

    func instances(_ style: Style) -> String {
        var table = TextTable(["Name", "Current LSN", "Replication role", "Status", "QoS", "Manager Version", "Node"])
        let names = pods.keys.sorted { lhs, rhs in
            if (lhs == primaryName) != (rhs == primaryName) { return lhs == primaryName }
            return lhs < rhs
        }
        for name in names {
            let pod = pods[name] ?? .null
            let node = pod["spec"]?["nodeName"]?.stringValue ?? "-"
            let qos = pod["status"]?["qosClass"]?.stringValue ?? Self.qosClass(of: pod)
            guard let report = reports[name] else {
                table.add([name, "-", "-", errors[name].map { _ in "unable to get status" } ?? "-", qos, "-", node])
                continue
            }
            let lsn = report.isPrimary ? report.currentLsn : report.replayLsn
            table.add([
                name, text(lsn), role(name, report), report.pendingRestart ? "OK (pending restart)" : "OK", qos,
                report.instanceManagerVersion, node,
            ])
        }
        return style.heading("Instances status") + "\n" + table.rendered
    }

    func role(_ name: String, _ report: InstanceStatus) -> String {
        if report.mightBeUnavailable { return "Fenced" }
        if report.isPrimary { return "Primary" }
        if report.isPgRewindRunning { return "Standby (pg_rewind)" }
        if report.replayPaused { return "Standby (paused)" }
        if report.isWalReceiverActive {
            switch primaryReport?.replicationInfo?.first(where: { $0.applicationName == name })?.syncState {
            case "sync", "quorum": return "Standby (sync)"
            case "potential": return "Standby (potential sync)"
            default: return "Standby (async)"
            }
        }
        if PodReadiness.isReady(pods[name] ?? .null) { return "Standby (file based)" }
        return "Standby (starting up)"
    }

    func text(_ lsn: LSN?) -> String { lsn.map { "\($0)" } ?? "" }

    /// Kubernetes' QoS class when the pod status does not say: BestEffort without requests or
    /// limits, Guaranteed when every container's requests equal its limits, else Burstable.
    static func qosClass(of pod: JSONValue) -> String {
        let containers = pod["spec"]?["containers"]?.arrayValue ?? []
        let resources = containers.map { $0["resources"] ?? .null }
        if resources.allSatisfy({ ($0["requests"]?.objectMembers ?? []).isEmpty && ($0["limits"]?.objectMembers ?? []).isEmpty }) { return "BestEffort" }
        let guaranteed = resources.allSatisfy { resource in
            let limits = resource["limits"]?.objectMembers ?? []
            return ["cpu", "memory"].allSatisfy { key in limits.contains { $0.0 == key } }
                && (resource["requests"]?.objectMembers ?? []).allSatisfy { key, value in resource["limits"]?[key] == value }
        }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    /// The `-o json|yaml` document, with CNPG's keys.
    public var document: JSONValue {
        let primaryPod = primaryName.flatMap { pods[$0] } ?? .null
        let items = pods.keys.sorted().compactMap { reports[$0] }.map { ObjectCodec.encode($0) }
        return .object([
            ("cluster", ObjectCodec.encode(cluster)), ("instanceStatus", .object([("items", .array(items))])),
            ("PrimaryPod", primaryPod), ("ErrorList", .array(errors.sorted { $0.key < $1.key }.map { .string("\($0.key): \($0.value)") })),
            ("TotalClusterSize", .string(sizeText(Style(color: false)))),
        ])
    }
}
