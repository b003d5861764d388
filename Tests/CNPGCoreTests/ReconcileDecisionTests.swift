import CNPGCore
import Foundation
import Testing

/// The operator's pure decisions: the next instance step, the failover choice and the status.
@Suite struct ReconcileDecisionTests {
    static func cluster(instances: Int, current: String? = nil, target: String? = nil, latest: Int? = nil) throws -> Cluster {
        var cluster = try decodeDefaultedCluster(try review(try clusterDocument("instances: \(instances)\nstorage:\n  size: 1Gi")))
        var status = ClusterStatus()
        status.currentPrimary = current
        status.targetPrimary = target ?? current
        status.latestGeneratedNode = latest
        cluster.status = status
        return cluster
    }

    static func json(_ text: String) throws -> JSONValue { try JSONText.parse(Array(text.utf8)) }

    static func pod(_ serial: Int, ready: Bool, ip: String? = nil) throws -> JSONValue {
        let address = ip ?? "127.0.1.\(serial)"
        return try json(
            #"{"metadata":{"name":"cluster-example-\#(serial)","labels":{"cnpg.io/podRole":"instance","cnpg.io/instanceName":"cluster-example-\#(serial)"}},"status":{"phase":"Running","podIP":"\#(address)","conditions":[{"type":"Ready","status":"\#(ready ? "True" : "False")"}]}}"#
        )
    }

    static func claim(_ serial: Int, ready: Bool) throws -> JSONValue {
        try json(
            #"{"metadata":{"name":"cluster-example-\#(serial)","labels":{"cnpg.io/instanceName":"cluster-example-\#(serial)"},"annotations":{"cnpg.io/pvcStatus":"\#(ready ? "ready" : "initializing")"}}}"#
        )
    }

    static func job(_ serial: Int, role: String, condition: String?) throws -> JSONValue {
        let conditions = condition.map { #"[{"type":"\#($0)","status":"True"}]"# } ?? "[]"
        return try json(
            #"{"metadata":{"name":"cluster-example-\#(serial)-\#(role)","labels":{"cnpg.io/instanceName":"cluster-example-\#(serial)"}},"status":{"conditions":\#(conditions)}}"#
        )
    }

    static func observed(pods: [JSONValue] = [], jobs: [JSONValue] = [], claims: [JSONValue] = []) -> ObservedInstances {
        ObservedInstances(clusterName: "cluster-example", pods: pods, jobs: jobs, claims: claims)
    }

    @Test func instancesComeUpOneStepAtATime() throws {
        let empty = try Self.cluster(instances: 3)
        #expect(InstancePlanner.next(cluster: empty, observed: Self.observed()) == .createPrimary(serial: 1))
        let bootstrapping = try Self.cluster(instances: 3, target: "cluster-example-1", latest: 1)
        #expect(
            InstancePlanner.next(
                cluster: bootstrapping,
                observed: Self.observed(
                    jobs: [try Self.job(1, role: "initdb", condition: nil)],
                    claims: [try Self.claim(1, ready: false)]))
                == .wait(reason: "waiting for the job of cluster-example-1"))
        #expect(
            InstancePlanner.next(
                cluster: bootstrapping,
                observed: Self.observed(
                    jobs: [try Self.job(1, role: "initdb", condition: "Complete")],
                    claims: [try Self.claim(1, ready: false)]))
                == .createPod(serial: 1))
        let running = try Self.cluster(instances: 3, current: "cluster-example-1", latest: 1)
        #expect(
            InstancePlanner.next(cluster: running, observed: Self.observed(pods: [try Self.pod(1, ready: false)], claims: [try Self.claim(1, ready: true)]))
                == .wait(reason: "waiting for cluster-example-1 to become ready"))
        #expect(
            InstancePlanner.next(cluster: running, observed: Self.observed(pods: [try Self.pod(1, ready: true)], claims: [try Self.claim(1, ready: true)]))
                == .createReplica(serial: 2))
        // A replica whose PVC exists but whose join job is gone gets its job again.
        #expect(
            InstancePlanner.next(
                cluster: running,
                observed: Self.observed(
                    pods: [try Self.pod(1, ready: true)],
                    claims: [try Self.claim(1, ready: true), try Self.claim(2, ready: false)]))
                == .createReplica(serial: 2))
        let failed = Self.observed(jobs: [try Self.job(2, role: "join", condition: "Failed")], claims: [try Self.claim(2, ready: false)])
        #expect(InstancePlanner.next(cluster: running, observed: failed) == .unrecoverable(job: "cluster-example-2-join"))
    }

    @Test("a first primary whose creation was not recorded (the status patch failed) is named targetPrimary on a later pass")
    func unrecordedFirstPrimary() throws {
        let lost = try Self.cluster(instances: 3)
        let first = Self.observed(jobs: [try Self.job(1, role: "initdb", condition: "Complete")], claims: [try Self.claim(1, ready: true)])
        #expect(InstancePlanner.unrecordedFirstPrimary(cluster: lost, observed: first) == "cluster-example-1")
        #expect(InstancePlanner.unrecordedFirstPrimary(cluster: lost, observed: Self.observed()) == nil)
        let recorded = try Self.cluster(instances: 3, target: "cluster-example-1", latest: 1)
        #expect(InstancePlanner.unrecordedFirstPrimary(cluster: recorded, observed: first) == nil)
        let two = Self.observed(claims: [try Self.claim(1, ready: true), try Self.claim(2, ready: true)])
        #expect(InstancePlanner.unrecordedFirstPrimary(cluster: lost, observed: two) == nil)
    }

    @Test func scaleDownRemovesTheHighestSerialReplicaNeverThePrimary() throws {
        let pods = try [1, 2, 3].map { try Self.pod($0, ready: true) }
        let claims = try [1, 2, 3].map { try Self.claim($0, ready: true) }
        let cluster = try Self.cluster(instances: 2, current: "cluster-example-3", latest: 3)
        #expect(InstancePlanner.next(cluster: cluster, observed: Self.observed(pods: pods, claims: claims)) == .deleteInstance(serial: 2))
        // Once the removed instance's pod is gone, its PVC goes too; the pod is never recreated.
        let podless = Self.observed(pods: Array(pods.prefix(2)), claims: claims)
        #expect(
            InstancePlanner.next(cluster: try Self.cluster(instances: 2, current: "cluster-example-1", latest: 3), observed: podless)
                == .deleteInstance(serial: 3))
        let steady = try Self.cluster(instances: 3, current: "cluster-example-1", latest: 3)
        #expect(InstancePlanner.next(cluster: steady, observed: Self.observed(pods: pods, claims: claims)) == .none)
        // Job pods are not instances.
        let jobPod = try Self.json(
            #"{"metadata":{"name":"cluster-example-4-join-abcde","labels":{"cnpg.io/instanceName":"cluster-example-4"}},"status":{"phase":"Running"}}"#)
        #expect(Self.observed(pods: pods + [jobPod], claims: claims).activePods.count == 3)
    }

    static func report(primary: Bool, received: String? = nil, replayed: String? = nil) -> InstanceStatus {
        var status = InstanceStatus()
        status.isPrimary = primary
        status.receivedLsn = received.flatMap(LSN.init)
        status.replayLsn = replayed.flatMap(LSN.init)
        status.systemID = "7300000000000000001"
        status.timeLineID = 1
        return status
    }

    @Test func failoverPicksTheReplicaWithTheMostWAL() throws {
        let cluster = try Self.cluster(instances: 3, current: "cluster-example-1")
        let healthy = Self.observed(pods: try [1, 2, 3].map { try Self.pod($0, ready: true) })
        var reports = [
            "cluster-example-1": Self.report(primary: true),
            "cluster-example-2": Self.report(primary: false, received: "0/3000060", replayed: "0/3000060"),
            "cluster-example-3": Self.report(primary: false, received: "0/3000100", replayed: "0/3000000"),
        ]
        #expect(FailoverPolicy.decide(cluster: cluster, observed: healthy, reports: reports) == .keep)

        let lost = Self.observed(pods: try [2, 3].map { try Self.pod($0, ready: true) })
        reports["cluster-example-1"] = nil
        #expect(
            FailoverPolicy.decide(cluster: cluster, observed: lost, reports: reports)
                == .promote("cluster-example-3", reason: "primary pod cluster-example-1 is gone"))

        let unready = Self.observed(pods: [try Self.pod(1, ready: false), try Self.pod(2, ready: true), try Self.pod(3, ready: false)])
        #expect(
            FailoverPolicy.decide(cluster: cluster, observed: unready, reports: reports)
                == .promote("cluster-example-2", reason: "primary pod cluster-example-1 is not ready"))

        let silent = Self.observed(pods: [try Self.pod(1, ready: true)])
        #expect(
            FailoverPolicy.decide(cluster: cluster, observed: silent, reports: [:])
                == .noCandidate(reason: "the instance manager of cluster-example-1 does not answer"))
        // A ready primary whose manager missed a poll or two is given the grace; past it, it is lost.
        let silentWithReplica = Self.observed(pods: [try Self.pod(1, ready: true), try Self.pod(2, ready: true)])
        let replicaOnly = reports.filter { $0.key != "cluster-example-1" }
        #expect(
            FailoverPolicy.decide(
                cluster: cluster, observed: silentWithReplica, reports: replicaOnly,
                silence: ["cluster-example-1": .seconds(3)]) == .keep)
        #expect(
            FailoverPolicy.decide(
                cluster: cluster, observed: silentWithReplica, reports: replicaOnly,
                silence: ["cluster-example-1": FailoverPolicy.silenceGrace])
                == .promote("cluster-example-2", reason: "the instance manager of cluster-example-1 does not answer"))
        #expect(
            FailoverPolicy.decide(cluster: cluster, observed: unready, reports: reports, silence: ["cluster-example-1": .seconds(1)])
                == .promote("cluster-example-2", reason: "primary pod cluster-example-1 is not ready"), "a pod that is not ready gets no grace")
        // A primary whose container restarted answers again while its pod is not ready: it was lost all the same.
        #expect(
            FailoverPolicy.decide(cluster: cluster, observed: unready, reports: reports.merging(["cluster-example-1": Self.report(primary: true)]) { $1 })
                == .promote("cluster-example-2", reason: "primary pod cluster-example-1 is not ready"))

        let switching = try Self.cluster(instances: 3, current: "cluster-example-1", target: "cluster-example-2")
        #expect(FailoverPolicy.decide(cluster: switching, observed: lost, reports: reports) == .keep)
    }

    @Test func statusUsesCNPGPhasesAndOnlyChangesWhenSomethingDid() throws {
        let cluster = try Self.cluster(instances: 2, current: "cluster-example-1", latest: 2)
        let observed = Self.observed(pods: try [1, 2].map { try Self.pod($0, ready: true) }, claims: try [1, 2].map { try Self.claim($0, ready: true) })
        let reports = ["cluster-example-1": Self.report(primary: true), "cluster-example-2": Self.report(primary: false, received: "0/1")]
        let input = ClusterStatusBuilder.Input(
            cluster: cluster, observed: observed, reports: reports, action: .none,
            now: Date(timeIntervalSince1970: 1_800_000_000))
        let fields = ClusterStatusBuilder.fields(for: input)
        let status = JSONValue.object(fields)
        #expect(status["phase"] == .string("Cluster in healthy state"))
        #expect(status["readyInstances"] == .int(2))
        #expect(status["instanceNames"] == .array([.string("cluster-example-1"), .string("cluster-example-2")]))
        #expect(status["systemID"] == .string("7300000000000000001"))
        #expect(status["instancesReportedState"]?["cluster-example-1"]?["isPrimary"] == .bool(true))
        #expect(status["writeService"] == .string("cluster-example-rw"))
        #expect(ClusterStatusBuilder.patch(fields, over: status) == nil)
        // A later pass at another time with the same facts writes nothing.
        var later = input
        later.now = Date(timeIntervalSince1970: 1_800_000_100)
        #expect(ClusterStatusBuilder.patch(ClusterStatusBuilder.fields(for: later), over: status) == nil)

        var failing = input
        failing.failingOver = true
        failing.targetPrimary = "cluster-example-2"
        let failover = JSONValue.object(ClusterStatusBuilder.fields(for: failing))
        #expect(failover["phase"] == .string("Failing over"))
        #expect(failover["targetPrimary"] == .string("cluster-example-2"))
        #expect(failover["conditions"]?.arrayFirst?["status"] == .string("False"))

        // An instance that recovers leaves the "failed" list: the patch removes the key.
        let stale = status.setting(
            "instancesStatus",
            to: .object([
                ("healthy", .array([.string("cluster-example-1")])),
                ("failed", .array([.string("cluster-example-2")])),
            ]))
        let patch = try #require(ClusterStatusBuilder.patch(fields, over: stale))
        #expect(patch["instancesStatus"]?["failed"] == .null)
        #expect(patch["phase"] == nil)
        #expect(JSONPatch.mergePatch(stale, with: patch)["instancesStatus"] == status["instancesStatus"])

        var creating = input
        creating.action = .createReplica(serial: 3)
        #expect(JSONValue.object(ClusterStatusBuilder.fields(for: creating))["phase"] == .string("Creating a new replica"))
        #expect(JSONValue.object(ClusterStatusBuilder.fields(for: creating))["latestGeneratedNode"] == .int(3))
    }
}

@Suite struct InstanceRoleLabelTests {
    @Test func theCurrentPrimaryCarriesThePrimaryLabel() {
        #expect(InstanceRoleLabels.role(of: "c-1", currentPrimary: "c-1", targetPrimary: "c-1") == "primary")
        #expect(InstanceRoleLabels.role(of: "c-2", currentPrimary: "c-1", targetPrimary: "c-1") == "replica")
        #expect(InstanceRoleLabels.role(of: "c-1", currentPrimary: "c-1", targetPrimary: nil) == "primary")
    }

    @Test func beforeTheFirstPrimaryReportsItsTargetCarriesTheLabel() {
        #expect(InstanceRoleLabels.role(of: "c-1", currentPrimary: nil, targetPrimary: "c-1") == "primary")
        #expect(InstanceRoleLabels.role(of: "c-1", currentPrimary: "", targetPrimary: "c-1") == "primary")
    }

    @Test func duringAHandOverNoPodIsPrimary() {
        // Failover or switchover from c-1 to c-2: the -rw service empties until c-2 reports.
        #expect(InstanceRoleLabels.role(of: "c-1", currentPrimary: "c-1", targetPrimary: "c-2") == "replica")
        #expect(InstanceRoleLabels.role(of: "c-2", currentPrimary: "c-1", targetPrimary: "c-2") == "replica")
        #expect(InstanceRoleLabels.role(of: "c-2", currentPrimary: "c-2", targetPrimary: "c-2") == "primary")
    }
}

@Suite struct LeaseDecisionTests {
    static func lease(holder: String, renewed: Date, duration: Int64 = 15) -> JSONValue {
        .object([
            (
                "spec",
                .object([
                    ("holderIdentity", .string(holder)), ("leaseDurationSeconds", .int(duration)),
                    ("renewTime", .string(LeaseDecision.format(renewed))), ("leaseTransitions", .int(2)),
                    ("acquireTime", .string("2026-01-01T00:00:00.000000Z")),
                ])
            )
        ])
    }

    @Test func candidatesCreateRenewWaitOrTakeOver() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(LeaseDecision.evaluate(nil, identity: "a", now: now) == .create)
        #expect(LeaseDecision.evaluate(Self.lease(holder: "a", renewed: now), identity: "a", now: now) == .renew)
        #expect(
            LeaseDecision.evaluate(Self.lease(holder: "b", renewed: now.addingTimeInterval(-5)), identity: "a", now: now)
                == .wait(holder: "b", until: now.addingTimeInterval(10)))
        #expect(LeaseDecision.evaluate(Self.lease(holder: "b", renewed: now.addingTimeInterval(-15)), identity: "a", now: now) == .takeOver)
        #expect(LeaseDecision.evaluate(Self.lease(holder: "", renewed: now), identity: "a", now: now) == .takeOver)
    }

    @Test func takingOverCountsATransitionAndRenewingKeepsTheAcquireTime() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let previous = Self.lease(holder: "b", renewed: now.addingTimeInterval(-20))
        let taken = LeaseDecision.spec(identity: "a", durationSeconds: 15, now: now, previous: previous, decision: .takeOver)
        #expect(taken["holderIdentity"] == .string("a"))
        #expect(taken["leaseTransitions"] == .int(3))
        #expect(taken["acquireTime"] == .string(LeaseDecision.format(now)))
        let renewed = LeaseDecision.spec(identity: "b", durationSeconds: 15, now: now, previous: previous, decision: .renew)
        #expect(renewed["acquireTime"] == .string("2026-01-01T00:00:00.000000Z"))
        #expect(renewed["leaseTransitions"] == .int(2))
    }
}

extension JSONValue {
    var arrayFirst: JSONValue? {
        guard case .array(let items) = self else { return nil }
        return items.first
    }
}

@Suite struct RequeueScheduleTests {
    @Test func aKeyHasOnePendingRequeueAndTheEarliestWins() {
        var schedule = RequeueSchedule<String, Int>()
        let first = schedule.schedule("a", at: 10)
        let later = schedule.schedule("a", at: 12)
        let same = schedule.schedule("a", at: 10)
        let earlier = schedule.schedule("a", at: 5)
        let other = schedule.schedule("b", at: 10)
        #expect(first, "the first request starts a timer")
        #expect(!later && !same, "a later or equal one is redundant")
        #expect(earlier && other, "an earlier one, or another key, starts a timer")
        #expect(schedule.pendingCount == 2)
        let replaced = schedule.fire("a", at: 10)
        let due = schedule.fire("a", at: 5)
        let again = schedule.fire("a", at: 5)
        #expect(!replaced, "the replaced timer does nothing")
        #expect(due && !again, "due once")
        let next = schedule.schedule("a", at: 20)
        let dueB = schedule.fire("b", at: 10)
        #expect(next && dueB && schedule.pendingCount == 1)
    }
}

extension ReconcileDecisionTests {
    @Test func failoverDelayWaitsFromTheFirstSightingThenProceeds() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(FailoverDelay.gate(delaySeconds: nil, failingSince: nil, now: now) == .proceed)
        #expect(FailoverDelay.gate(delaySeconds: 0, failingSince: nil, now: now) == .proceed)
        #expect(FailoverDelay.gate(delaySeconds: 30, failingSince: nil, now: now) == .wait(since: now, remaining: 30))
        let since = KubeTime.time(now.addingTimeInterval(-20))
        #expect(FailoverDelay.gate(delaySeconds: 30, failingSince: since, now: now) == .wait(since: now.addingTimeInterval(-20), remaining: 10))
        #expect(FailoverDelay.gate(delaySeconds: 30, failingSince: KubeTime.time(now.addingTimeInterval(-30)), now: now) == .proceed)
        // An unreadable mark starts the wait over rather than failing over at once.
        #expect(FailoverDelay.gate(delaySeconds: 30, failingSince: "yesterday", now: now) == .wait(since: now, remaining: 30))
    }
}
