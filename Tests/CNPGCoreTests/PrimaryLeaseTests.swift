import CNPGCore
import Foundation
import Testing

@Suite struct PrimaryLeaseTests {
    let timing = PrimaryLease.Timing()
    let start = Date(timeIntervalSince1970: 1_795_000_000)

    func lease(holder: String?, renewed: Date? = nil) -> JSONValue {
        var spec: [(String, JSONValue)] = [("leaseDurationSeconds", .int(15))]
        if let holder { spec.append(("holderIdentity", .string(holder))) }
        if let renewed { spec.append(("renewTime", .string(KubeTime.microTime(renewed)))) }
        return .object([("metadata", .object([("name", .string("cluster-example")), ("resourceVersion", .string("7"))])), ("spec", .object(spec))])
    }

    @Test func theOperatorsLeaseIsNamedAfterTheClusterOwnedByItAndHeldByNobody() {
        var cluster = Cluster(name: "cluster-example", namespace: "prod")
        cluster.metadata.uid = "uid-1"
        cluster.spec.primaryLease = PrimaryLeaseConfiguration(leaseDurationSeconds: 30)
        let object = PrimaryLease.object(for: cluster)
        #expect(object["kind"]?.stringValue == "Lease" && object["apiVersion"]?.stringValue == "coordination.k8s.io/v1")
        #expect(object["metadata"]?["name"]?.stringValue == "cluster-example" && object["metadata"]?["namespace"]?.stringValue == "prod")
        #expect(object["metadata"]?["labels"]?["cnpg.io/cluster"]?.stringValue == "cluster-example")
        #expect(object["metadata"]?["ownerReferences"]?.arrayValue?.first?["uid"]?.stringValue == "uid-1")
        #expect(PrimaryLease.holder(of: object).isEmpty)
        #expect(object["spec"]?["leaseDurationSeconds"] == .int(30))
        #expect(PrimaryLease.Timing(cluster: cluster) == PrimaryLease.Timing(leaseDuration: 30))
        #expect(PrimaryLease.Timing(cluster: Cluster(name: "c")).acquireTimeout == 21)
    }

    @Test func aFreeLeaseOrOneAlreadyHeldIsTakenAtOnce() {
        for current in [lease(holder: nil), lease(holder: ""), lease(holder: "cluster-example-2", renewed: start)] {
            let (step, observation) = PrimaryLease.acquire(current, identity: "cluster-example-2", timing: timing, previous: nil, now: start)
            guard case .take(let spec) = step else {
                Issue.record("\(step)")
                continue
            }
            #expect(spec["holderIdentity"]?.stringValue == "cluster-example-2")
            #expect(spec["renewTime"]?.stringValue == KubeTime.microTime(start))
            #expect(observation == nil)
        }
    }

    /// Another holder's Lease is taken only after the same record was seen for a whole duration
    /// on the candidate's clock; a renewal meanwhile starts the wait over.
    @Test func anotherHoldersLeaseIsTakenOnlyAfterSeeingItUnchangedForItsDuration() throws {
        let held = lease(holder: "cluster-example-1", renewed: start.addingTimeInterval(-600))
        var (step, observation) = PrimaryLease.acquire(held, identity: "cluster-example-2", timing: timing, previous: nil, now: start)
        #expect(
            step == .wait(holder: "cluster-example-1", until: start.addingTimeInterval(15)),
            "an old renewTime on the holder's clock proves nothing: the wait starts at the first sighting")
        (step, observation) = PrimaryLease.acquire(
            held, identity: "cluster-example-2", timing: timing, previous: observation,
            now: start.addingTimeInterval(14))
        #expect(step == .wait(holder: "cluster-example-1", until: start.addingTimeInterval(15)))
        let renewed = lease(holder: "cluster-example-1", renewed: start.addingTimeInterval(14))
        (step, observation) = PrimaryLease.acquire(
            renewed, identity: "cluster-example-2", timing: timing, previous: observation,
            now: start.addingTimeInterval(14.5))
        #expect(step == .wait(holder: "cluster-example-1", until: start.addingTimeInterval(29.5)))
        (step, _) = PrimaryLease.acquire(
            renewed, identity: "cluster-example-2", timing: timing, previous: observation,
            now: start.addingTimeInterval(29.5))
        guard case .take(let spec) = step else {
            Issue.record("\(step)")
            return
        }
        #expect(spec["holderIdentity"]?.stringValue == "cluster-example-2")
        #expect(spec["leaseTransitions"] == .int(1))
    }

    /// A replica keeps looking at the Lease before any failover: a record unchanged for longer than
    /// the lease duration stays "seen since" its first sighting (it must not restart the wait), so
    /// a later acquisition takes it at once.
    @Test func observationsMadeBeforeAFailoverCount() {
        let held = lease(holder: "cluster-example-3", renewed: start)
        var seen = PrimaryLease.observe(held, identity: "cluster-example-1", previous: nil, now: start.addingTimeInterval(1))
        for later in [5.0, 16, 30] {
            seen = PrimaryLease.observe(held, identity: "cluster-example-1", previous: seen, now: start.addingTimeInterval(later))
        }
        #expect(seen?.since == start.addingTimeInterval(1))
        let (step, _) = PrimaryLease.acquire(held, identity: "cluster-example-1", timing: timing, previous: seen, now: start.addingTimeInterval(31))
        guard case .take = step else {
            Issue.record("\(step)")
            return
        }
        let renewed = lease(holder: "cluster-example-3", renewed: start.addingTimeInterval(2))
        #expect(
            PrimaryLease.observe(renewed, identity: "cluster-example-1", previous: seen, now: start.addingTimeInterval(32))?.since
                == start.addingTimeInterval(32), "a renewal starts the wait over")
        #expect(PrimaryLease.observe(lease(holder: ""), identity: "cluster-example-1", previous: seen, now: start) == nil)
    }

    @Test func releasingEmptiesTheHolderWithTheShortDuration() {
        let released = PrimaryLease.released(lease(holder: "cluster-example-1", renewed: start), timing: timing)
        #expect(released["holderIdentity"]?.stringValue == "")
        #expect(released["leaseDurationSeconds"] == .int(1))
        let renewal = PrimaryLease.renewed(
            lease(holder: "cluster-example-1", renewed: start), identity: "cluster-example-1", timing: timing,
            now: start.addingTimeInterval(2))
        #expect(renewal["renewTime"]?.stringValue == KubeTime.microTime(start.addingTimeInterval(2)))
    }

    func pod(deleting: Bool = false, state: JSONValue?) -> JSONValue {
        var metadata: [(String, JSONValue)] = [("name", .string("cluster-example-1"))]
        if deleting { metadata.append(("deletionTimestamp", .string("2026-11-30T10:00:00Z"))) }
        var container: [(String, JSONValue)] = [("name", .string("postgres"))]
        if let state { container.append(("state", state)) }
        return .object([("metadata", .object(metadata)), ("status", .object([("containerStatuses", .array([.object(container)]))]))])
    }

    /// The operator frees a lost primary's Lease only when its holder cannot be running.
    @Test func aHolderIsGoneOnlyWhenItCannotBeRunning() {
        let held = lease(holder: "cluster-example-1", renewed: start)
        let running = { (started: Date) -> JSONValue in .object([("running", .object([("startedAt", .string(KubeTime.microTime(started)))]))]) }
        #expect(PrimaryLease.holderGone(held, pod: nil), "no pod")
        #expect(
            !PrimaryLease.holderGone(held, pod: pod(deleting: true, state: running(start.addingTimeInterval(-60)))),
            "a pod being deleted may still commit during its graceful shutdown")
        #expect(PrimaryLease.holderGone(held, pod: pod(state: .object([("terminated", .object([("exitCode", .int(137))]))]))), "container exited")
        #expect(PrimaryLease.holderGone(held, pod: pod(state: .object([("waiting", .object([("reason", .string("CrashLoopBackOff"))]))]))))
        #expect(PrimaryLease.holderGone(held, pod: pod(state: running(start.addingTimeInterval(5)))), "restarted after the last renewal")
        #expect(!PrimaryLease.holderGone(held, pod: pod(state: running(start.addingTimeInterval(-60)))), "the renewing process may be hung, not gone")
        #expect(!PrimaryLease.holderGone(held, pod: pod(state: nil)), "no container state known")
    }

    /// CNPG's isolation check, with one refinement: peers that answer and also cannot reach the
    /// API server mean an outage for everyone, not an isolated primary.
    @Test func aPrimaryFencesItselfUnlessEveryPeerAnswersAndNoneReachesTheAPIServer() {
        #expect(!IsolationCheck.shouldFence(peers: []), "a single instance has nobody to hand over to")
        #expect(!IsolationCheck.shouldFence(peers: [.reachable(apiServerReachable: false), .reachable(apiServerReachable: false)]))
        #expect(IsolationCheck.shouldFence(peers: [.unreachable, .unreachable]), "cut off from everything")
        #expect(
            IsolationCheck.shouldFence(peers: [.reachable(apiServerReachable: true), .reachable(apiServerReachable: false)]),
            "a peer still reaches the API server: this primary is the one cut off")
        #expect(IsolationCheck.shouldFence(peers: [.reachable(apiServerReachable: false), .unreachable]))
    }
}
