import CNPGTestSupport
import Foundation
import Testing

/// The sandbox's CSI snapshot API, driven with the real kubectl: a VolumeSnapshot copies a PVC's
/// data at the time it is taken, a PVC restored from it starts with that data, errors are
/// reported in the snapshot's status, and deletion takes the content and the copy away.
extension KubeletTests {
    @Test("a VolumeSnapshot keeps a PVC's data, and a PVC restored from it starts with that data")
    func volumeSnapshotAndRestore() async throws {
        let sandbox = try Self.startSandbox()
        defer { _ = sandbox.stop() }
        let job = { (name: String, command: String, claim: String) in
            """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: \(name)}
            spec:
              backoffLimit: 0
              template:
                spec:
                  restartPolicy: Never
                  securityContext: {runAsUser: 1000, fsGroup: 1000}
                  containers:
                  - name: main
                    image: debian:bookworm
                    command: ["/bin/sh", "-c", "\(command)"]
                    volumeMounts: [{name: data, mountPath: /data}]
                  volumes:
                  - {name: data, persistentVolumeClaim: {claimName: \(claim)}}
            """
        }
        func finished(_ name: String) async -> Bool {
            await Eventually.check(within: 60) { Self.jsonpath(sandbox, "job/\(name)", ".status.succeeded") == "1" }
        }
        func output(of name: String) throws -> String {
            try sandbox.kubectl(["logs", "job/\(name)"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try Self.apply(
            sandbox,
            """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
            ---

            """ + job("first", "echo before > /data/token && chmod 600 /data/token", "data"))
        #expect(await finished("first"), "\(Self.jsonpath(sandbox, "job/first", ".status"))")

        let definitions = try sandbox.kubectl(["get", "crd", "-o", "name"]).output
        #expect(
            definitions.contains("volumesnapshots.snapshot.storage.k8s.io") && definitions.contains("volumesnapshotcontents.snapshot.storage.k8s.io"),
            "\(definitions)")
        try Self.apply(
            sandbox,
            """
            apiVersion: snapshot.storage.k8s.io/v1
            kind: VolumeSnapshot
            metadata: {name: data-snap}
            spec:
              source: {persistentVolumeClaimName: data}
            """)
        let ready = await Eventually.check(within: 30) { Self.jsonpath(sandbox, "volumesnapshot/data-snap", ".status.readyToUse") == "true" }
        #expect(
            ready,
            "\(Self.jsonpath(sandbox, "volumesnapshot/data-snap", ".status")) \((try? String(contentsOfFile: sandbox.logPath, encoding: .utf8).suffix(3000)) ?? "")"
        )
        #expect(Self.jsonpath(sandbox, "volumesnapshot/data-snap", ".spec.volumeSnapshotClassName") == "kube-sandbox-snapshots")
        #expect(Self.jsonpath(sandbox, "volumesnapshot/data-snap", ".status.restoreSize") == "1Gi")
        let content = Self.jsonpath(sandbox, "volumesnapshot/data-snap", ".status.boundVolumeSnapshotContentName")
        #expect(Self.jsonpath(sandbox, "volumesnapshotcontent/\(content)", ".spec.volumeSnapshotRef.name") == "data-snap")
        let table = try sandbox.kubectl(["get", "vs"]).output
        #expect(table.contains("READYTOUSE") && table.contains("data-snap") && table.contains("true"), "\(table)")

        // The original changes after the snapshot; a restored claim has the data of the snapshot's time.
        try Self.apply(
            sandbox,
            job("second", "echo after > /data/token", "data") + """

                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: restored}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Gi}}
                  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: data-snap}
                ---

                """ + job("reader", "cat /data/token && stat -c %a /data/token", "restored"))
        #expect(await finished("second"))
        #expect(await finished("reader"), "\(Self.jsonpath(sandbox, "pvc/restored", ".status"))")
        let restoredData = try output(of: "reader")
        #expect(
            restoredData == "before\n600",
            "ownership and modes are kept: \(restoredData) \((try? String(contentsOfFile: sandbox.logPath, encoding: .utf8).suffix(3000)) ?? "")")
        // Copied once: events about the claim from before it was bound must not copy the snapshot over a volume in use.
        let log = (try? String(contentsOfFile: sandbox.logPath, encoding: .utf8)) ?? ""
        let copies = log.split(separator: "\n").filter { $0.contains("volume restored") && $0.contains("default/restored") }
        #expect(copies.count == 1, "\(copies)")

        // A snapshot of a claim that does not exist, or of an unknown class, says why in its status.
        try Self.apply(
            sandbox,
            """
            apiVersion: snapshot.storage.k8s.io/v1
            kind: VolumeSnapshot
            metadata: {name: orphan}
            spec:
              source: {persistentVolumeClaimName: missing}
            ---
            apiVersion: snapshot.storage.k8s.io/v1
            kind: VolumeSnapshot
            metadata: {name: classless}
            spec:
              volumeSnapshotClassName: no-such-class
              source: {persistentVolumeClaimName: data}
            """)
        let explained = await Eventually.check(within: 30) {
            Self.jsonpath(sandbox, "volumesnapshot/orphan", ".status.error.message").contains("\"missing\" not found")
                && Self.jsonpath(sandbox, "volumesnapshot/classless", ".status.error.message").contains("\"no-such-class\" not found")
        }
        #expect(explained, "\(Self.jsonpath(sandbox, "volumesnapshot/orphan", ".status")) \(Self.jsonpath(sandbox, "volumesnapshot/classless", ".status"))")

        let copy = sandbox.stateDirectory.appendingPathComponent("kubelet/volume-snapshots/\(content)")
        #expect(FileManager.default.fileExists(atPath: copy.path))
        #expect(try sandbox.kubectl(["delete", "volumesnapshot", "data-snap"]).status == 0)
        let collected = await Eventually.check(within: 30) {
            (try? sandbox.kubectl(["get", "volumesnapshotcontent", content]).status) != 0 && !FileManager.default.fileExists(atPath: copy.path)
        }
        #expect(collected, "the content (policy Delete) and its copy go with the snapshot")
    }
}
