import CNPGCore
import Foundation
import Testing

/// A volume out of space: which pods the operator counts as stopped for want of WAL room, what the
/// Cluster's status says, which claims grow, and the instance manager's check on a real tmpfs.
@Suite struct DiskSpaceTests {
    typealias Fixtures = ReconcileDecisionTests

    static func pod(_ serial: Int, ready: Bool, state: String, lastState: String = "{}") throws -> JSONValue {
        try Fixtures.json(
            #"{"metadata":{"name":"cluster-example-\#(serial)","labels":{"cnpg.io/podRole":"instance","cnpg.io/instanceName":"cluster-example-\#(serial)"}},"status":{"phase":"Running","podIP":"127.0.1.\#(serial)","conditions":[{"type":"Ready","status":"\#(ready ? "True" : "False")"}],"containerStatuses":[{"name":"postgres","ready":\#(ready),"state":\#(state),"lastState":\#(lastState)}]}}"#
        )
    }

    static let exitedForWAL = #"{"terminated":{"exitCode":4,"reason":"Error"}}"#
    static let crashed = #"{"terminated":{"exitCode":1,"reason":"Error"}}"#
    static let running = #"{"running":{"startedAt":"2026-11-30T10:00:00Z"}}"#
    static let backingOff = #"{"waiting":{"reason":"CrashLoopBackOff"}}"#

    @Test func podsStoppedForWALSpaceAreTheOnesThatExitedWithCode4AndAreNotBackYet() throws {
        let pods = [
            try Self.pod(1, ready: false, state: Self.exitedForWAL),
            try Self.pod(2, ready: false, state: Self.backingOff, lastState: Self.exitedForWAL),
            try Self.pod(3, ready: false, state: Self.backingOff, lastState: Self.crashed),
            // Restarted after a resize and serving again: the old exit no longer counts.
            try Self.pod(4, ready: true, state: Self.running, lastState: Self.exitedForWAL),
            // Started again but not ready yet (recovering): still counted until it serves.
            try Self.pod(5, ready: false, state: Self.running, lastState: Self.exitedForWAL),
        ]
        #expect(DiskSpace.podsOutOfSpace(pods) == ["cluster-example-1", "cluster-example-2", "cluster-example-5"])
        #expect(DiskSpace.podsOutOfSpace([try Self.pod(1, ready: false, state: Self.crashed)]).isEmpty)
    }

    @Test func theStatusSaysNotEnoughDiskSpaceWithAConditionThatTurnsTrueOnceResized() throws {
        let cluster = try Fixtures.cluster(instances: 2, current: "cluster-example-1", latest: 2)
        let pods = [
            try Self.pod(1, ready: false, state: Self.backingOff, lastState: Self.exitedForWAL),
            try Self.pod(2, ready: true, state: Self.running),
        ]
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var input = ClusterStatusBuilder.Input(
            cluster: cluster, observed: Fixtures.observed(pods: pods), reports: [:],
            action: .wait(reason: "not enough disk space"), now: now)
        input.podsOutOfSpace = DiskSpace.podsOutOfSpace(pods)
        let fields = ClusterStatusBuilder.fields(for: input)
        let status = JSONValue.object(fields)
        #expect(status["phase"]?.stringValue == "Not enough disk space")
        #expect(status["phaseReason"]?.stringValue == DiskSpace.phaseReason)
        let conditions = status["conditions"]?.arrayValue ?? []
        let short = try #require(conditions.first { $0["type"]?.stringValue == "DiskSpaceAvailable" })
        #expect(short["status"]?.stringValue == "False")
        #expect(short["reason"]?.stringValue == "NotEnoughDiskSpace")
        #expect(short["message"]?.stringValue?.contains("cluster-example-1") == true)
        #expect(conditions.first { $0["type"]?.stringValue == "Ready" }?["status"]?.stringValue == "False")

        // Next passes after the resize: the condition flips to True with a new transition time; a
        // Cluster that never ran short has no such condition.
        var resized = cluster
        resized.status?.conditions = [
            Condition(
                type: "DiskSpaceAvailable", status: "False", lastTransitionTime: KubeTime.time(now),
                reason: "NotEnoughDiskSpace", message: "")
        ]
        let later = now.addingTimeInterval(60)
        let back = DiskSpace.condition(stopped: [], previous: resized.status?.conditions?.first, now: later)
        #expect(back?["status"]?.stringValue == "True")
        #expect(back?["lastTransitionTime"]?.stringValue == KubeTime.time(later))
        #expect(DiskSpace.condition(stopped: [], previous: nil, now: later) == nil)
        let still = DiskSpace.condition(stopped: ["cluster-example-1"], previous: resized.status?.conditions?.first, now: later)
        #expect(still?["lastTransitionTime"]?.stringValue == KubeTime.time(now))
    }

    static func claim(_ name: String, serial: Int, role: String, size: String, tablespace: String? = nil) throws -> JSONValue {
        let tablespaceLabel = tablespace.map { #","cnpg.io/tablespaceName":"\#($0)""# } ?? ""
        return try Fixtures.json(
            #"{"metadata":{"name":"\#(name)","labels":{"cnpg.io/instanceName":"cluster-example-\#(serial)","cnpg.io/pvcRole":"\#(role)"\#(tablespaceLabel)},"annotations":{"cnpg.io/nodeSerial":"\#(serial)"}},"spec":{"resources":{"requests":{"storage":"\#(size)"}}}}"#
        )
    }

    @Test func claimsGrowWithTheirStorageSectionNeverShrinkAndRespectResizeInUseVolumes() throws {
        let document = """
            instances: 2
            storage:
              size: 2Gi
            walStorage:
              size: 1Gi
            """
        let cluster = try decodeDefaultedCluster(try review(try clusterDocument(document)))
        let claims = [
            try Self.claim("cluster-example-1", serial: 1, role: "PG_DATA", size: "1Gi"),
            try Self.claim("cluster-example-1-wal", serial: 1, role: "PG_WAL", size: "1024Mi"),
            try Self.claim("cluster-example-2", serial: 2, role: "PG_DATA", size: "3Gi"),
            try Self.claim("cluster-example-2-wal", serial: 2, role: "PG_WAL", size: "512Mi"),
        ]
        let expansions = PVCBuilder.expansions(for: cluster, claims: claims)
        #expect(expansions.map(\.claim) == ["cluster-example-1", "cluster-example-2-wal"])
        #expect(expansions.map(\.size.text) == ["2Gi", "1Gi"])

        var pinned = cluster
        pinned.spec.walStorage?.resizeInUseVolumes = false
        #expect(PVCBuilder.expansions(for: pinned, claims: claims).map(\.claim) == ["cluster-example-1"])
    }

    @Test func runningInstancesWithLessThanASegmentFreeTurnTheConditionFalseWithoutChangingThePhase() throws {
        var full = InstanceStatus()
        full.volumes = [
            VolumeSpace(role: "PG_DATA", totalBytes: 512 << 20, availableBytes: 3 << 20),
            VolumeSpace(role: "PG_WAL", totalBytes: 1 << 30, availableBytes: 900 << 20),
        ]
        var roomy = InstanceStatus()
        roomy.volumes = [VolumeSpace(role: "PG_DATA", totalBytes: 512 << 20, availableBytes: 100 << 20)]
        let reports = ["cluster-example-1": full, "cluster-example-2": roomy]
        #expect(DiskSpace.volumesRunningOut(reports) == ["cluster-example-1 PG_DATA (3 MiB of 512 MiB free)"])
        let condition = try #require(DiskSpace.condition(stopped: [], runningOut: DiskSpace.volumesRunningOut(reports), previous: nil, now: Date()))
        #expect(condition["status"]?.stringValue == "False")
        #expect(condition["message"]?.stringValue == "Volumes running out of space: cluster-example-1 PG_DATA (3 MiB of 512 MiB free)")
        // Reports decode what older managers (and CNPG's) send: no volumes at all.
        let encoded = ObjectCodec.encode(InstanceStatus())
        #expect(encoded["volumes"] == nil)
        let decoded = try ObjectCodec.decode(InstanceStatus.self, from: encoded)
        #expect(decoded.volumes == nil && DiskSpace.volumesRunningOut(["p": decoded]).isEmpty)
    }

    /// The instance manager's check against a real full volume: a tmpfs smaller than a segment.
    @Test(.enabled(if: geteuid() == 0, "mounting a tmpfs needs root"))
    func theSpaceCheckFindsAFullVolumeReportsItsUsageAndLeavesNothingBehind() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cnpg-walspace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer {
            umount2(directory.path, Int32(MNT_DETACH))
            try? FileManager.default.removeItem(at: directory)
        }
        try #require(mount("tmpfs", directory.path, "tmpfs", 0, "size=\(6 << 20)") == 0)
        let volume = VolumeSpaceCheck.volume(.wal, directory: directory.path)
        let small = VolumeSpaceCheck(volumes: [volume], segmentBytes: 4 << 20)
        try small.verify()
        #expect(small.usage() == [VolumeSpace(role: "PG_WAL", totalBytes: 6 << 20, availableBytes: 6 << 20)])
        let large = VolumeSpaceCheck(volumes: [volume], segmentBytes: 16 << 20)
        let error = try #require(throws: VolumeSpaceCheck.NoRoom.self) { try large.verify() }
        #expect(error.description.contains("16 MiB segment cannot be written in \(directory.path) (PG_WAL volume: No space left on device)"))
        #expect(error.description.contains("increase spec.walStorage.size"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        // Once the volume grows, the same check passes.
        try #require(mount("tmpfs", directory.path, "tmpfs", UInt(MS_REMOUNT), "size=\(32 << 20)") == 0)
        try large.verify()
        #expect(large.usage().first?.totalBytes == 32 << 20)
    }

    @Test("a pod seen out of space stays so until it is Ready, even when a later exit code hides it")
    func shortageIsRememberedUntilReady() throws {
        let stopped = try Self.pod(1, ready: false, state: #"{"running":{}}"#, lastState: #"{"terminated":{"exitCode":1}}"#)
        let ready = try Self.pod(1, ready: true, state: #"{"running":{}}"#)
        #expect(DiskSpace.stillOutOfSpace(remembered: ["cluster-example-1"], detected: [], pods: [stopped]) == ["cluster-example-1"])
        #expect(DiskSpace.stillOutOfSpace(remembered: ["cluster-example-1"], detected: [], pods: [ready]).isEmpty)
        #expect(DiskSpace.stillOutOfSpace(remembered: ["cluster-example-1"], detected: [], pods: []).isEmpty, "a pod that is gone is forgotten")
        #expect(DiskSpace.stillOutOfSpace(remembered: [], detected: ["cluster-example-2"], pods: [stopped]) == ["cluster-example-2"])
    }
}
