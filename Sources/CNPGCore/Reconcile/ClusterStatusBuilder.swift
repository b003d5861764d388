import Foundation

/// A Cluster's observed status, computed from its instances, their `/pg/status` reports and the
/// step the planner chose. Only the fields the operator owns are produced; `currentPrimary` belongs
/// to the instance managers and is left alone.
public enum ClusterStatusBuilder {
    public enum Phase {
        public static let healthy = "Cluster in healthy state"
        public static let firstPrimary = "Setting up primary"
        public static let creatingReplica = "Creating a new replica"
        public static let failingOver = "Failing over"
        public static let switchover = "Switchover in progress"
        public static let waitingForInstances = "Waiting for the instances to become active"
        public static let unrecoverable = "Cluster is unrecoverable and needs manual intervention"
        public static let scalingDown = "Scaling down"
        public static let upgrading = "Upgrading cluster"
        public static let inPlaceRestart = "Primary instance is being restarted in-place"
        public static let restartWithoutSwitchover = "Primary instance is being restarted without a switchover"
        public static let waitingForUser = "Waiting for user action"
        /// Phases a pass keeps while they last: the instance manager ends the in-place restart,
        /// and a recreated primary ends its restart by becoming ready again.
        public static func heldOffFailover(_ phase: String?) -> Bool { phase == inPlaceRestart || phase == restartWithoutSwitchover }
    }

    public struct Input: Sendable {
        public var cluster: Cluster
        public var observed: ObservedInstances
        /// `/pg/status` of each pod that answered, by pod name.
        public var reports: [String: InstanceStatus]
        public var action: InstancePlanner.Action
        /// Set when this pass chose a new target primary (first primary, failover).
        public var targetPrimary: String?
        public var failingOver: Bool
        public var certificateExpirations: [String: Date]
        public var certificateNames: ClusterCertificateNames?
        public var now: Date
        /// The rolling-update step of this pass (only computed when the instances are complete).
        public var rollout: RollingUpdatePlanner.Step = .none
        /// The hibernation step, while `cnpg.io/hibernation` is on.
        public var hibernation: Hibernation.Step?
        /// Pods stopped for want of WAL space (`DiskSpace.podsOutOfSpace`).
        public var podsOutOfSpace: [String] = []
        /// PVCs instances need and lack (`MissingStorage.problems`).
        public var missingClaims: [MissingStorage.Problem] = []
        /// A failover this pass did not start for want of the failover quorum: why (`FailoverQuorumCheck`).
        public var failoverQuorumRefusal: String?
        /// While a lost primary is given `spec.failoverDelay`: since when it is lost.
        public var failingSince: Date?
        /// A rolling-update restart the rollout coordinator held back: the pod and how long for.
        public var rolloutDelayed: (pod: String, remaining: TimeInterval)?
        /// The online upgrade of an instance manager this pass made or could not make.
        public var managerUpgrade: ManagerUpgrade.Step = .none

        public init(
            cluster: Cluster, observed: ObservedInstances, reports: [String: InstanceStatus], action: InstancePlanner.Action,
            targetPrimary: String? = nil, failingOver: Bool = false, certificateExpirations: [String: Date] = [:],
            certificateNames: ClusterCertificateNames? = nil, now: Date = Date(), rollout: RollingUpdatePlanner.Step = .none
        ) {
            self.rollout = rollout
            self.cluster = cluster
            self.observed = observed
            self.reports = reports
            self.action = action
            self.targetPrimary = targetPrimary
            self.failingOver = failingOver
            self.certificateExpirations = certificateExpirations
            self.certificateNames = certificateNames
            self.now = now
        }
    }

    public static func phase(for input: Input) -> (phase: String, reason: String) {
        let name = input.cluster.metadata.name ?? ""
        if !input.podsOutOfSpace.isEmpty { return (DiskSpace.phase, DiskSpace.phaseReason) }
        if let refusal = input.failoverQuorumRefusal { return (Phase.waitingForInstances, FailoverQuorumCheck.phaseReason(refusal)) }
        if input.failingOver, let target = input.targetPrimary { return (Phase.failingOver, "Failing over to \(target)") }
        if let target = input.cluster.status?.targetPrimary, let current = input.cluster.status?.currentPrimary, target != current {
            return (Phase.switchover, "Switching over to \(target)")
        }
        let current = input.cluster.status?.phase
        let desired = max(input.cluster.spec.instances ?? 1, 1)
        if current == Phase.inPlaceRestart { return (current!, input.cluster.status?.phaseReason ?? "") }
        // A recreated primary ends its restart once it serves again (ready and reporting itself
        // primary) and every instance is back; until then failover stays held off.
        if current == Phase.restartWithoutSwitchover, let primary = input.cluster.status?.currentPrimary,
            input.observed.readyPodNames.count < desired || !input.observed.readyPodNames.contains(primary) || input.reports[primary]?.isPrimary != true
        {
            return (current!, input.cluster.status?.phaseReason ?? "")
        }
        if let delayed = input.rolloutDelayed {
            return (RolloutCoordinator.phase, RolloutCoordinator.message(pod: delayed.pod, remaining: delayed.remaining))
        }
        switch input.rollout {
        case .none, .wait: break
        case .restartReplica(let pod, let reason): return (Phase.upgrading, "Restarting instance \(pod), because: \(reason)")
        case .restartPrimaryInPlace(_, let reason): return (Phase.inPlaceRestart, reason)
        case .recreatePrimary(let pod, let reason):
            return desired == 1
                ? (Phase.upgrading, "The primary instance needs to be restarted: \(pod), reason: \(reason)")
                : (Phase.restartWithoutSwitchover, reason)
        case .switchover(let target, let primary, _): return (Phase.upgrading, "Switching over to \(target) to upgrade \(primary)")
        case .waitForUser: return (Phase.waitingForUser, "User must issue a supervised switchover")
        }
        switch input.managerUpgrade {
        case .none: break
        case .upgrade(let pod): return (ManagerUpgrade.phase, "Upgrading the instance manager of \(pod)")
        case .missingArchitecture(let pod, let architecture):
            return (ManagerUpgrade.missingArchitecturePhase, "No instance manager for \(architecture), the architecture of \(pod)")
        }
        switch input.action {
        case .createPrimary(let serial): return (Phase.firstPrimary, "Creating primary instance \(name)-\(serial)")
        case .createReplica(let serial): return (Phase.creatingReplica, "Creating replica \(name)-\(serial)-join")
        case .createPod(let serial):
            return input.cluster.status?.currentPrimary == nil
                ? (Phase.firstPrimary, "Creating primary instance \(name)-\(serial)")
                : (Phase.creatingReplica, "Creating replica \(name)-\(serial)")
        case .unrecoverable(let job): return (Phase.unrecoverable, "Job \(job) failed")
        case .deleteInstance(let serial): return (Phase.scalingDown, "Scaling down - removing instance: \(name)-\(serial)")
        case .wait(let reason):
            if input.cluster.status?.currentPrimary == nil { return (Phase.firstPrimary, reason) }
            return (Phase.waitingForInstances, reason)
        case .none:
            return input.observed.readyPodNames.count == desired ? (Phase.healthy, "") : (Phase.waitingForInstances, "")
        }
    }

    /// The status fields the operator writes, as a merge patch body for `status`.
    public static func fields(for input: Input) -> [(String, JSONValue)] {
        let name = input.cluster.metadata.name ?? ""
        let pods = input.observed.activePods.map(ObservedInstances.name).sorted { lhs, rhs in
            (input.observed.serial(of: lhs) ?? 0) < (input.observed.serial(of: rhs) ?? 0)
        }
        let ready = input.observed.readyPodNames
        let healthy = pods.filter { ready.contains($0) }
        let failed = pods.filter { !ready.contains($0) }
        var byStatus: [(String, JSONValue)] = []
        if !healthy.isEmpty { byStatus.append(("healthy", .array(healthy.map(JSONValue.string)))) }
        if !failed.isEmpty { byStatus.append(("failed", .array(failed.map(JSONValue.string)))) }
        var latest = input.cluster.status?.latestGeneratedNode ?? 0
        switch input.action {
        case .createPrimary(let serial), .createReplica(let serial): latest = max(latest, serial)
        default: break
        }
        let (phase, reason) = phase(for: input)
        var fields: [(String, JSONValue)] = [
            ("instances", .int(Int64(pods.count))),
            ("readyInstances", .int(Int64(healthy.count))),
            ("instanceNames", .array(pods.map(JSONValue.string))),
            ("instancesStatus", .object(byStatus)),
            ("latestGeneratedNode", .int(Int64(latest))),
            ("writeService", .string("\(name)-rw")),
            ("readService", .string("\(name)-r")),
            ("image", .string(InstancePodBuilder.image(for: input.cluster))),
            ("phase", .string(phase)),
            ("phaseReason", .string(reason)),
        ]
        if let target = input.targetPrimary {
            fields.append(("targetPrimary", .string(target)))
            fields.append(("targetPrimaryTimestamp", .string(KubeTime.time(input.now))))
        }
        var reported: [(String, JSONValue)] = []
        var timeline: Int?
        var systemIDs: Set<String> = []
        for pod in pods {
            guard let report = input.reports[pod] else { continue }
            let ip = input.observed.activePods.first { ObservedInstances.name($0) == pod }?["status"]?["podIP"]?.stringValue ?? ""
            var state: [(String, JSONValue)] = [("isPrimary", .bool(report.isPrimary))]
            if let line = report.timeLineID { state.append(("timeLineID", .int(Int64(line)))) }
            state.append(("ip", .string(ip)))
            reported.append((pod, .object(state)))
            if report.isPrimary { timeline = report.timeLineID }
            if !report.systemID.isEmpty { systemIDs.insert(report.systemID) }
        }
        if !reported.isEmpty { fields.append(("instancesReportedState", .object(reported))) }
        if let timeline { fields.append(("timelineID", .int(Int64(timeline)))) }
        if systemIDs.count == 1, let systemID = systemIDs.first { fields.append(("systemID", .string(systemID))) }
        if let names = input.certificateNames {
            var certificates: [(String, JSONValue)] = [
                ("serverCASecret", .string(names.serverCASecret)), ("serverTLSSecret", .string(names.serverTLSSecret)),
                ("replicationTLSSecret", .string(names.replicationTLSSecret)), ("clientCASecret", .string(names.clientCASecret)),
            ]
            if !input.certificateExpirations.isEmpty {
                certificates.append(
                    (
                        "expirations",
                        .object(
                            input.certificateExpirations.sorted { $0.key < $1.key }
                                .map { ($0.key, .string(Self.expirationText($0.value))) })
                    ))
            }
            fields.append(("certificates", .object(certificates)))
        }
        let isHealthy = phase == Phase.healthy
        let previous = input.cluster.status?.conditions?.first { $0.type == "Ready" }
        let status = isHealthy ? "True" : "False"
        let transition = previous?.status == status ? previous!.lastTransitionTime : KubeTime.time(input.now)
        var conditions: [JSONValue] = [
            .object([
                ("type", .string("Ready")), ("status", .string(status)), ("lastTransitionTime", .string(transition)),
                ("reason", .string(isHealthy ? "ClusterIsReady" : "ClusterIsNotReady")),
                ("message", .string(isHealthy ? "Cluster is Ready" : "Cluster Is Not Ready")),
            ])
        ]
        if let step = input.hibernation {
            let (hibernated, reason, message) = Hibernation.condition(for: step)
            let value = hibernated ? "True" : "False"
            let earlier = input.cluster.status?.conditions?.first { $0.type == Hibernation.conditionType }
            conditions.append(
                .object([
                    ("type", .string(Hibernation.conditionType)), ("status", .string(value)),
                    ("lastTransitionTime", .string(earlier?.status == value ? earlier!.lastTransitionTime : KubeTime.time(input.now))),
                    ("reason", .string(reason)), ("message", .string(message)),
                ]))
        }
        if let since = input.failingSince {
            fields.append(("currentPrimaryFailingSinceTimestamp", .string(KubeTime.time(since))))
        } else if input.cluster.status?.currentPrimaryFailingSinceTimestamp != nil {
            fields.append(("currentPrimaryFailingSinceTimestamp", .null))
        }
        if let condition = DiskSpace.condition(
            stopped: input.podsOutOfSpace, runningOut: DiskSpace.volumesRunningOut(input.reports),
            previous: input.cluster.status?.conditions?.first { $0.type == DiskSpace.conditionType },
            now: input.now)
        {
            conditions.append(condition)
        }
        if let condition = MissingStorage.condition(
            input.missingClaims, previous: input.cluster.status?.conditions?.first { $0.type == MissingStorage.conditionType }, now: input.now)
        {
            conditions.append(condition)
        }
        // Conditions other writers own (the backups' LastBackupSucceeded) stay as they are.
        let owned: Set<String> = ["Ready", Hibernation.conditionType, DiskSpace.conditionType, MissingStorage.conditionType]
        for kept in input.cluster.status?.conditions ?? [] where !owned.contains(kept.type) {
            conditions.append(ObjectCodec.encode(kept))
        }
        fields.append(("conditions", .array(conditions)))
        return fields
    }

    /// CNPG writes expirations as Go's time.String(), e.g. `2026-02-21 10:00:00 +0000 UTC`.
    static func expirationText(_ date: Date) -> String { KubeTime.goTime(date) }

    /// The merge patch for `status` that turns the current status into one with these fields, nil
    /// when nothing changed. Keys gone from map fields (`instancesStatus`, `instancesReportedState`,
    /// certificate expirations) are sent as null, or a merge patch would keep them forever.
    public static func patch(_ fields: [(String, JSONValue)], over current: JSONValue?) -> JSONValue? {
        var patch: [(String, JSONValue)] = []
        let withoutTransitionTimes = { (conditions: JSONValue?) -> JSONValue? in
            guard case .array(let items)? = conditions else { return conditions }
            return .array(items.map { $0.setting("lastTransitionTime", to: .null) })
        }
        for (key, value) in fields {
            // A condition whose status did not change keeps its transition time; a pass that
            // could not see the stored one must not rewrite it.
            if key == "conditions", withoutTransitionTimes(value) == withoutTransitionTimes(current?[key]) { continue }
            if let previous = current?[key] {
                if let change = JSONPatch.mergePatchBetween(previous, value) { patch.append((key, change)) }
            } else {
                patch.append((key, value))
            }
        }
        let meaningful = patch.contains { $0.0 != "targetPrimaryTimestamp" }
        return meaningful ? .object(patch) : nil
    }
}
