import CNPGCore
import Foundation
import Testing

/// The rules behind the instance's `/pg/archive/partial` and `PUT /update`.
@Suite struct InstanceEndpointRulesTests {
    func cluster(target: String?, current: String?, architectures: [AvailableArchitecture]? = nil) -> Cluster {
        var cluster = Cluster(name: "pg", namespace: "default")
        var status = ClusterStatus()
        status.targetPrimary = target
        status.currentPrimary = current
        status.availableArchitectures = architectures
        cluster.status = status
        return cluster
    }

    @Test("a partial WAL file is archived only by a fenced instance that is both target and current primary")
    func partialArchiveRefusals() {
        let both = cluster(target: "pg-1", current: "pg-1")
        #expect(PartialWALArchive.refusal(fenced: true, cluster: both, podName: "pg-1") == nil)
        #expect(PartialWALArchive.refusal(fenced: false, cluster: both, podName: "pg-1")?.code == .notFenced)
        #expect(PartialWALArchive.refusal(fenced: true, cluster: nil, podName: "pg-1")?.code == .noClusterFound)
        #expect(PartialWALArchive.refusal(fenced: true, cluster: both, podName: "pg-2")?.code == .notExpectedPrimary)
        #expect(PartialWALArchive.refusal(fenced: true, cluster: cluster(target: "pg-2", current: "pg-1"), podName: "pg-1")?.code == .notExpectedPrimary)
        #expect(PartialWALArchive.refusal(fenced: true, cluster: cluster(target: "pg-1", current: nil), podName: "pg-1")?.code == .notExpectedPrimary)
    }

    @Test("the redo segment is read from pg_controldata's output, and only a segment name is accepted")
    func redoSegment() {
        let output = """
            pg_control version number:            1300
            Latest checkpoint location:           0/3000060
            Latest checkpoint's REDO location:    0/3000028
            Latest checkpoint's REDO WAL file:    000000010000000000000003
            """
        #expect(PartialWALArchive.redoWALFile(controldata: output) == "000000010000000000000003")
        #expect(PartialWALArchive.partialPath(of: "000000010000000000000003") == "pg_wal/000000010000000000000003.partial")
        for bad in ["", "00000001000000000000000", "../../../../etc/passwd000", "00000001000000000000000g"] {
            #expect(PartialWALArchive.redoWALFile(controldata: "Latest checkpoint's REDO WAL file:    \(bad)") == nil, "\(bad)")
        }
        #expect(PartialWALArchive.redoWALFile(controldata: "pg_control version number: 1300") == nil)
    }

    @Test("a new manager binary is accepted only with a hash the operator published for this architecture")
    func upgradeHashes() {
        let hash = String(repeating: "a", count: 64)
        let published = cluster(target: nil, current: nil, architectures: [.init(goArch: "amd64", hash: hash), .init(goArch: "arm64", hash: "b")])
        #expect(ManagerUpgrade.refusal(hash: hash, architecture: "amd64", cluster: published) == nil)
        #expect(ManagerUpgrade.refusal(hash: hash, architecture: "arm64", cluster: published)?.contains("not the operator's") == true)
        #expect(ManagerUpgrade.refusal(hash: hash, architecture: "s390x", cluster: published)?.contains("publishes no instance manager") == true)
        #expect(ManagerUpgrade.refusal(hash: hash, architecture: "amd64", cluster: cluster(target: nil, current: nil))?.contains("publishes no") == true)
    }

    @Test("a file's streamed SHA-256 equals the one of its bytes")
    func streamedHash() throws {
        let path = NSTemporaryDirectory() + "/hash-\(UUID().uuidString)"
        defer { unlink(path) }
        let bytes = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(sha256Hex(fileAtPath: path) == sha256Hex(bytes))
        #expect(sha256Hex(fileAtPath: path + "-missing") == nil)
    }
}
