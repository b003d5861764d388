import CNPGCore
import Foundation
import Testing

/// PVCs an instance needs and lacks: which are reported, which instance is replaced, and the
/// Cluster condition that says so (the e2e `missingClaimReplacesTheInstance` runs it on the sandbox).
@Suite struct MissingStorageTests {
    typealias Fixtures = ReconcileDecisionTests

    static func pod(_ serial: Int, ready: Bool, claims: [String]) throws -> JSONValue {
        let volumes = claims.map { #"{"name":"\#($0)","persistentVolumeClaim":{"claimName":"\#($0)"}}"# }.joined(separator: ",")
        return try Fixtures.json(
            #"{"metadata":{"name":"cluster-example-\#(serial)","labels":{"cnpg.io/podRole":"instance","cnpg.io/instanceName":"cluster-example-\#(serial)"}},"spec":{"volumes":[\#(volumes)]},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"\#(ready ? "True" : "False")"}]}}"#
        )
    }

    static func claim(_ name: String, instance: String, deleting: Bool = false, ready: Bool = true) throws -> JSONValue {
        let deletion = deleting ? #","deletionTimestamp":"2026-12-01T10:00:00Z""# : ""
        let annotations = ready ? #","annotations":{"cnpg.io/pvcStatus":"ready"}"# : ""
        return try Fixtures.json(#"{"metadata":{"name":"\#(name)","labels":{"cnpg.io/instanceName":"\#(instance)"}\#(annotations)\#(deletion)}}"#)
    }

    static func desired(_ serial: Int) -> [String] { ["cluster-example-\(serial)", "cluster-example-\(serial)-wal"] }

    @Test func claimsMountedOrToBeMountedThatAreGoneOrBeingDeletedAreReported() throws {
        let observed = ObservedInstances(
            clusterName: "cluster-example",
            pods: [
                try Self.pod(1, ready: true, claims: Self.desired(1)),
                try Self.pod(2, ready: true, claims: Self.desired(2)),
            ],
            jobs: [],
            claims: [
                try Self.claim("cluster-example-1", instance: "cluster-example-1"),
                try Self.claim("cluster-example-1-wal", instance: "cluster-example-1"),
                try Self.claim("cluster-example-2", instance: "cluster-example-2"),
                try Self.claim("cluster-example-2-wal", instance: "cluster-example-2", deleting: true),
                // Instance 3 has no pod yet: the claims its pod would mount count.
                try Self.claim("cluster-example-3", instance: "cluster-example-3"),
            ])
        let problems = MissingStorage.problems(observed: observed, desiredClaims: Self.desired)
        #expect(
            problems == [
                MissingStorage.Problem(instance: "cluster-example-2", claim: "cluster-example-2-wal", beingDeleted: true),
                MissingStorage.Problem(instance: "cluster-example-3", claim: "cluster-example-3-wal", beingDeleted: false),
            ])
        #expect(
            problems.map(\.description) == [
                "cluster-example-2: PVC cluster-example-2-wal is being deleted", "cluster-example-3: PVC cluster-example-3-wal not found",
            ])
        // Instance 2 runs (its claim stays until it stops); instance 3 cannot start: it is replaced.
        #expect(MissingStorage.instanceToReplace(problems, observed: observed, primaries: ["cluster-example-1"]) == 3)
        // Never the primary: it is failed over first.
        #expect(MissingStorage.instanceToReplace(problems, observed: observed, primaries: ["cluster-example-3"]) == nil)
        let complete = MissingStorage.problems(observed: observed) { _ in [] }.filter { $0.instance != "cluster-example-2" }
        #expect(complete.isEmpty, "a pod's own volumes are what counts once it exists")
    }

    @Test func anInstanceStillBeingBuiltIsLeftToThePlanner() throws {
        // The data claim exists, the WAL claim's creation failed (an API error): the next pass creates it.
        let building = ObservedInstances(
            clusterName: "cluster-example", pods: [], jobs: [], claims: [try Self.claim("cluster-example-2", instance: "cluster-example-2", ready: false)])
        #expect(MissingStorage.problems(observed: building, desiredClaims: Self.desired).isEmpty)
        let built = ObservedInstances(
            clusterName: "cluster-example", pods: [], jobs: [], claims: [try Self.claim("cluster-example-2", instance: "cluster-example-2")])
        #expect(MissingStorage.problems(observed: built, desiredClaims: Self.desired).map(\.claim) == ["cluster-example-2-wal"])
    }

    @Test func aStoppedReplicaWhoseClaimIsBeingDeletedIsReplacedTooButNotARunningOne() throws {
        let claims = [
            try Self.claim("cluster-example-2", instance: "cluster-example-2"),
            try Self.claim("cluster-example-2-wal", instance: "cluster-example-2", deleting: true),
        ]
        let stopped = ObservedInstances(
            clusterName: "cluster-example", pods: [try Self.pod(2, ready: false, claims: Self.desired(2))], jobs: [], claims: claims)
        let running = ObservedInstances(clusterName: "cluster-example", pods: [try Self.pod(2, ready: true, claims: Self.desired(2))], jobs: [], claims: claims)
        for (observed, expected) in [(stopped, 2 as Int?), (running, nil)] {
            let problems = MissingStorage.problems(observed: observed, desiredClaims: Self.desired)
            #expect(MissingStorage.instanceToReplace(problems, observed: observed, primaries: ["cluster-example-1"]) == expected)
        }
    }

    @Test func theConditionIsWrittenOnlyOnceAProblemWasSeenAndTurnsTrueAfter() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(MissingStorage.condition([], previous: nil, now: now) == nil, "healthy Clusters keep CNPG's conditions")
        let problem = MissingStorage.Problem(instance: "cluster-example-2", claim: "cluster-example-2-wal", beingDeleted: false)
        let failing = try #require(MissingStorage.condition([problem], previous: nil, now: now))
        #expect(failing["status"] == .string("False") && failing["reason"] == .string("MissingPVC"))
        #expect(failing["message"]?.stringValue?.hasPrefix("cluster-example-2: PVC cluster-example-2-wal not found. PostgreSQL cannot start") == true)
        let previous = try ObjectCodec.decode(Condition.self, from: failing)
        let later = now.addingTimeInterval(60)
        let fixed = try #require(MissingStorage.condition([], previous: previous, now: later))
        #expect(fixed["status"] == .string("True") && fixed["lastTransitionTime"] == .string(KubeTime.time(later)))
        #expect(MissingStorage.condition([problem], previous: previous, now: later)?["lastTransitionTime"] == .string(KubeTime.time(now)))
    }
}
