import CNPGCore
import Foundation
import Testing

/// CNPG's rolling update order: replicas (least advanced first), then the primary as
/// primaryUpdateStrategy and primaryUpdateMethod say.
@Suite struct RollingUpdateTests {
    typealias Fixture = ReconcileDecisionTests

    static func pod(_ serial: Int, spec: String = "SPEC", restartedAt: String? = nil) throws -> JSONValue {
        var pod = try Fixture.pod(serial, ready: true)
        var annotations: [(String, JSONValue)] = [(RollingUpdatePlanner.podSpecAnnotation, .string(spec))]
        if let restartedAt { annotations.append((RollingUpdatePlanner.restartedAtAnnotation, .string(restartedAt))) }
        pod = pod.setting("metadata", to: (pod["metadata"] ?? .null).setting("annotations", to: .object(annotations)))
        return pod
    }

    static func report(primary: Bool, replayed: String, pendingRestart: Bool = false, receiving: Bool = true) -> InstanceStatus {
        var report = Fixture.report(primary: primary, received: replayed, replayed: replayed)
        report.pendingRestart = pendingRestart
        report.isWalReceiverActive = !primary && receiving
        return report
    }

    static func threeInstances(pending: Set<Int> = [], specs: [Int: String] = [:]) throws -> (ObservedInstances, [String: InstanceStatus]) {
        let pods = try (1...3).map { try pod($0, spec: specs[$0] ?? "SPEC") }
        let reports: [String: InstanceStatus] = [
            "cluster-example-1": report(primary: true, replayed: "0/5000000", pendingRestart: pending.contains(1)),
            "cluster-example-2": report(primary: false, replayed: "0/4000000", pendingRestart: pending.contains(2)),
            "cluster-example-3": report(primary: false, replayed: "0/3000000", pendingRestart: pending.contains(3)),
        ]
        return (Fixture.observed(pods: pods, claims: try (1...3).map { try Fixture.claim($0, ready: true) }), reports)
    }

    @Test func replicasGoFirstLeastAdvancedFirstThenThePrimaryInPlace() throws {
        let cluster = try Fixture.cluster(instances: 3, current: "cluster-example-1", latest: 3)
        let spec: (Int) -> String? = { _ in "SPEC" }
        var (observed, reports) = try Self.threeInstances(pending: [1, 2, 3])
        #expect(
            RollingUpdatePlanner.next(cluster: cluster, observed: observed, reports: reports, desiredPodSpec: spec)
                == .restartReplica(pod: "cluster-example-3", reason: RollingUpdatePlanner.pendingRestartReason))
        (observed, reports) = try Self.threeInstances(pending: [1, 2])
        #expect(
            RollingUpdatePlanner.next(cluster: cluster, observed: observed, reports: reports, desiredPodSpec: spec)
                == .restartReplica(pod: "cluster-example-2", reason: RollingUpdatePlanner.pendingRestartReason))
        (observed, reports) = try Self.threeInstances(pending: [1])
        #expect(
            RollingUpdatePlanner.next(cluster: cluster, observed: observed, reports: reports, desiredPodSpec: spec)
                == .restartPrimaryInPlace(pod: "cluster-example-1", reason: RollingUpdatePlanner.pendingRestartReason))
        (observed, reports) = try Self.threeInstances()
        #expect(RollingUpdatePlanner.next(cluster: cluster, observed: observed, reports: reports, desiredPodSpec: spec) == .none)
    }

    @Test func aChangedImageRecreatesPodsAndTheMethodDecidesForThePrimary() throws {
        let old = #"{"containers":[{"name":"postgres","image":"pg:16.1"}]}"#
        let new = #"{"containers":[{"name":"postgres","image":"pg:16.2"}]}"#
        var cluster = try Fixture.cluster(instances: 3, current: "cluster-example-1", latest: 3)
        let (observed, reports) = try Self.threeInstances(specs: [1: old])
        #expect(
            RollingUpdatePlanner.next(cluster: cluster, observed: observed, reports: reports) { _ in new }
                == .restartReplica(pod: "cluster-example-3", reason: "the pod spec changed"))
        let replicasDone = try Self.threeInstances(specs: [1: old, 2: new, 3: new])
        #expect(
            RollingUpdatePlanner.next(cluster: cluster, observed: replicasDone.0, reports: replicasDone.1) { _ in new }
                == .recreatePrimary(pod: "cluster-example-1", reason: "the image changed from pg:16.1 to pg:16.2"))
        cluster.spec.primaryUpdateMethod = "switchover"
        #expect(
            RollingUpdatePlanner.next(cluster: cluster, observed: replicasDone.0, reports: replicasDone.1) { _ in new }
                == .switchover(to: "cluster-example-2", from: "cluster-example-1", reason: "the image changed from pg:16.1 to pg:16.2"),
            "the most advanced replica with a WAL receiver")
        cluster.spec.primaryUpdateStrategy = "supervised"
        #expect(
            RollingUpdatePlanner.next(cluster: cluster, observed: replicasDone.0, reports: replicasDone.1) { _ in new }
                == .waitForUser(pod: "cluster-example-1", reason: "the image changed from pg:16.1 to pg:16.2"))
    }

    /// A switchover to a replica far behind would leave no primary while it catches up: beyond
    /// the bound (64Mi, or the annotation) the primary restarts in place (recreated for an image).
    @Test func aLaggingSwitchoverTargetMeansARestartInPlace() throws {
        let old = #"{"containers":[{"name":"postgres","image":"pg:16.1"}]}"#
        let new = #"{"containers":[{"name":"postgres","image":"pg:16.2"}]}"#
        var cluster = try Fixture.cluster(instances: 3, current: "cluster-example-1", latest: 3)
        cluster.spec.primaryUpdateMethod = "switchover"
        let (observed, reports) = try Self.threeInstances(specs: [1: old, 2: new, 3: new])
        var lagging = reports
        lagging["cluster-example-1"]?.currentLsn = LSN("0/9000000")
        let next = { (reports: [String: InstanceStatus]) in
            RollingUpdatePlanner.next(cluster: cluster, observed: observed, reports: reports) { _ in new }
        }
        #expect(
            next(reports) == .switchover(to: "cluster-example-2", from: "cluster-example-1", reason: "the image changed from pg:16.1 to pg:16.2"),
            "16 MiB behind is within the default bound")
        #expect(
            next(lagging)
                == .recreatePrimary(
                    pod: "cluster-example-1",
                    reason: "the image changed from pg:16.1 to pg:16.2; restarting in place: "
                        + "the most advanced replica, cluster-example-2, has 83886080 bytes of WAL left to replay (more than 67108864)"))
        cluster.metadata.annotations = [RollingUpdatePlanner.maximumSwitchoverLagAnnotation: "128Mi"]
        #expect(next(lagging) == .switchover(to: "cluster-example-2", from: "cluster-example-1", reason: "the image changed from pg:16.1 to pg:16.2"))
        cluster.metadata.annotations = [RollingUpdatePlanner.maximumSwitchoverLagAnnotation: "1Mi"]
        guard case .recreatePrimary = next(reports) else {
            Issue.record("a 1Mi bound keeps a 16 MiB-behind replica from taking over")
            return
        }
    }

    @Test func restartRequestsAreInPlaceAndNothingMovesUntilEveryInstanceIsReady() throws {
        var cluster = try Fixture.cluster(instances: 2, current: "cluster-example-1", latest: 2)
        cluster.metadata.annotations = [RollingUpdatePlanner.restartedAtAnnotation: "2026-11-30T09:00:00Z"]
        let pods = [try Self.pod(1, restartedAt: "2026-11-30T09:00:00Z"), try Self.pod(2)]
        let reports = [
            "cluster-example-1": Self.report(primary: true, replayed: "0/5000000"),
            "cluster-example-2": Self.report(primary: false, replayed: "0/5000000"),
        ]
        let observed = Fixture.observed(pods: pods)
        #expect(
            RollingUpdatePlanner.next(cluster: cluster, observed: observed, reports: reports) { _ in "SPEC" }
                == .restartReplica(pod: "cluster-example-2", reason: "a restart was requested at 2026-11-30T09:00:00Z"))
        let notReady = Fixture.observed(pods: [pods[0], try Fixture.pod(2, ready: false)])
        #expect(RollingUpdatePlanner.next(cluster: cluster, observed: notReady, reports: reports) { _ in "SPEC" } == .none)
        #expect(
            RollingUpdatePlanner.next(cluster: cluster, observed: observed, reports: ["cluster-example-1": reports["cluster-example-1"]!]) { _ in "SPEC" }
                == .wait(reason: "waiting for every instance to report its status"))
        var restarting = cluster
        restarting.status?.phase = ClusterStatusBuilder.Phase.inPlaceRestart
        #expect(
            RollingUpdatePlanner.next(cluster: restarting, observed: observed, reports: reports) { _ in "SPEC" }
                == .wait(reason: "the primary is restarting in place"))
        #expect(
            FailoverPolicy.decide(cluster: restarting, observed: Fixture.observed(pods: [pods[1]]), reports: reports) == .keep,
            "a restart the rolling update asked for does not fail over")
    }

    @Test func thePhasesAreCNPGs() throws {
        let cluster = try Fixture.cluster(instances: 3, current: "cluster-example-1", latest: 3)
        let (observed, reports) = try Self.threeInstances()
        func phase(_ step: RollingUpdatePlanner.Step, on cluster: Cluster) -> (String, String) {
            ClusterStatusBuilder.phase(for: ClusterStatusBuilder.Input(cluster: cluster, observed: observed, reports: reports, action: .none, rollout: step))
        }
        #expect(
            phase(.restartReplica(pod: "cluster-example-3", reason: "r"), on: cluster)
                == (ClusterStatusBuilder.Phase.upgrading, "Restarting instance cluster-example-3, because: r"))
        #expect(phase(.restartPrimaryInPlace(pod: "cluster-example-1", reason: "r"), on: cluster).0 == "Primary instance is being restarted in-place")
        #expect(phase(.recreatePrimary(pod: "cluster-example-1", reason: "r"), on: cluster).0 == "Primary instance is being restarted without a switchover")
        #expect(
            phase(.waitForUser(pod: "cluster-example-1", reason: "r"), on: cluster) == ("Waiting for user action", "User must issue a supervised switchover"))
        var held = cluster
        held.status?.phase = ClusterStatusBuilder.Phase.inPlaceRestart
        held.status?.phaseReason = "r"
        #expect(phase(.none, on: held) == ("Primary instance is being restarted in-place", "r"), "only the instance manager ends it")
        #expect(phase(.none, on: cluster).0 == ClusterStatusBuilder.Phase.healthy)
    }
}

@Suite struct FencedInstancesTests {
    @Test func theAnnotationIsEditedAsCNPGsPluginDoes() throws {
        var fenced = try FencedInstances(annotationValue: nil)
        #expect(fenced.isEmpty && fenced.annotationValue == nil)
        fenced.fence("pg-2")
        fenced.fence("pg-1")
        fenced.fence("pg-1")
        #expect(fenced.annotationValue == #"["pg-1","pg-2"]"#, "sorted, no duplicates")
        try fenced.unfence("pg-2")
        #expect(fenced.names == ["pg-1"] && fenced.contains("pg-1") && !fenced.contains("pg-2"))
        fenced.fence("*")
        #expect(fenced.all && fenced.contains("anything"))
        fenced.fence("pg-3")
        #expect(fenced.names == ["*"], "adding to a fenced-everything set changes nothing")
        #expect(throws: FencedInstances.Problem(description: "unfencing an instance while the whole cluster is fenced is not supported")) {
            try fenced.unfence("pg-1")
        }
        try fenced.unfence("*")
        #expect(fenced.isEmpty && fenced.annotationValue == nil)
        #expect(throws: FencedInstances.Problem(description: "fencedInstances annotation has invalid syntax")) {
            try FencedInstances(annotationValue: "pg-1")
        }
        #expect(throws: FencedInstances.Problem.self) { try FencedInstances(annotationValue: #"["*","pg-1"]"#) }
        #expect(try FencedInstances(annotationValue: "[]").isEmpty)
    }

    @Test func aFencedPrimaryIsNeverFailedOverNorRolled() throws {
        var cluster = try ReconcileDecisionTests.cluster(instances: 2, current: "cluster-example-1", latest: 2)
        cluster.metadata.annotations = [FencedInstances.annotation: #"["cluster-example-1"]"#]
        let replicaOnly = ReconcileDecisionTests.observed(pods: [try ReconcileDecisionTests.pod(2, ready: true)])
        let reports = ["cluster-example-2": ReconcileDecisionTests.report(primary: false, received: "0/3000000", replayed: "0/3000000")]
        #expect(FailoverPolicy.decide(cluster: cluster, observed: replicaOnly, reports: reports) == .keep)
        cluster.metadata.annotations = nil
        #expect(FailoverPolicy.decide(cluster: cluster, observed: replicaOnly, reports: reports) != .keep)
        // Just unfenced, not ready yet: its manager says it might be unavailable, which holds failover off.
        var unfencing = ReconcileDecisionTests.report(primary: true)
        unfencing.mightBeUnavailable = true
        let notReady = ReconcileDecisionTests.observed(pods: [try ReconcileDecisionTests.pod(1, ready: false), try ReconcileDecisionTests.pod(2, ready: true)])
        #expect(FailoverPolicy.decide(cluster: cluster, observed: notReady, reports: reports.merging(["cluster-example-1": unfencing]) { $1 }) == .keep)
    }
}

@Suite struct HibernationTests {
    @Test func podsGoOneByOneThePrimaryFirstOnceHealthy() throws {
        var cluster = try ReconcileDecisionTests.cluster(instances: 2, current: "cluster-example-2", latest: 2)
        cluster.metadata.annotations = [Hibernation.annotation: "on"]
        let pods = ReconcileDecisionTests.observed(pods: [try ReconcileDecisionTests.pod(1, ready: true), try ReconcileDecisionTests.pod(2, ready: true)])
        #expect(Hibernation.isRequested(cluster))
        #expect(Hibernation.next(cluster: cluster, observed: pods) == .waitForHealthy)
        cluster.status?.phase = ClusterStatusBuilder.Phase.healthy
        #expect(Hibernation.next(cluster: cluster, observed: pods) == .deletePod("cluster-example-2"), "the primary first")
        let one = ReconcileDecisionTests.observed(pods: [try ReconcileDecisionTests.pod(1, ready: true)])
        #expect(Hibernation.next(cluster: cluster, observed: one) == .deletePod("cluster-example-1"))
        var stopping = try ReconcileDecisionTests.pod(1, ready: false)
        stopping = stopping.setting("metadata", to: (stopping["metadata"] ?? .null).setting("deletionTimestamp", to: .string("2026-11-30T10:00:00Z")))
        #expect(Hibernation.next(cluster: cluster, observed: ReconcileDecisionTests.observed(pods: [stopping])) == .waitForDeletion("cluster-example-1"))
        #expect(Hibernation.next(cluster: cluster, observed: ReconcileDecisionTests.observed()) == .hibernated)
        #expect(Hibernation.condition(for: .hibernated) == (true, "Hibernated", "Cluster has been hibernated"))
        #expect(
            FailoverPolicy.decide(cluster: cluster, observed: ReconcileDecisionTests.observed(), reports: [:]) == .keep,
            "a hibernated cluster is not failed over")
    }
}
