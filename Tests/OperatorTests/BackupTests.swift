import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// Backups with method volumeSnapshot through the sandbox's CSI snapshot API: online (the
/// instance manager holds a non-exclusive backup while the standby's volume is copied) and cold
/// (the instance fenced, PostgreSQL shut down cleanly), the Cluster's backup status, a method
/// this operator does not implement failing clearly, and a ScheduledBackup creating Backups on
/// its schedule. The cold snapshot is then started as a database: the rows are there.
extension ClusterLifecycleTests {
    @Test("Backups by volume snapshot (online from the standby, cold with fencing) and a ScheduledBackup")
    func volumeSnapshotBackups() async throws {
        let binaries = try PostgresServer.findBinaries()
        let running = try await OperatorOnSandbox.start()
        defer { running.tearDown() }
        let sandbox = running.sandbox
        var controller: OperatorProcess { running.controller }
        try Self.apply(sandbox, instances: 2)
        let cluster = "cluster/cluster-example"
        try #require(
            await Eventually.check(within: 180) {
                sandbox.jsonpath(cluster, ".status.phase") == "Cluster in healthy state" && sandbox.jsonpath(cluster, ".status.readyInstances") == "2"
            }, "status: \(sandbox.jsonpath(cluster, ".status"))")
        let password = sandbox.secretValue("cluster-example-app", "password")
        let primaryAddress = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        let created = try PSQL.run(
            binaries, host: primaryAddress, password: password,
            "create table kept (n int); insert into kept select generate_series(1, 1000)")
        #expect(created.status == 0, "\(created.error)")

        func backup(_ name: String, _ spec: String) throws {
            let applied = try sandbox.kubectl(
                ["apply", "-f", "-"],
                stdin: """
                    apiVersion: postgresql.cnpg.io/v1
                    kind: Backup
                    metadata: {name: \(name)}
                    spec:
                      cluster: {name: cluster-example}
                    \(spec)
                    """)
            guard applied.status == 0 else { throw TestFailure("apply backup \(name): \(applied.error)") }
        }
        func finished(_ name: String, within seconds: Double = 90) async -> String {
            var phase = ""
            _ = await Eventually.check(within: seconds) {
                phase = sandbox.jsonpath("backup/\(name)", ".status.phase")
                return phase == "completed" || phase == "failed"
            }
            return phase
        }

        // The default method (an object store) is not implemented: the Backup says so and so does the Cluster.
        try backup("to-object-store", "  target: primary")
        #expect(await finished("to-object-store") == "failed")
        #expect(sandbox.jsonpath("backup/to-object-store", ".status.error").contains("not supported by this operator yet"))
        #expect(sandbox.jsonpath(cluster, ".status.conditions[?(@.type==\"LastBackupSucceeded\")].reason") == "LastBackupFailed")

        // Online, from the standby (prefer-standby): the snapshot is cut inside pg_backup_start/stop.
        try backup("online", "  method: volumeSnapshot\n  onlineConfiguration: {immediateCheckpoint: true}")
        let online = await finished("online")
        #expect(online == "completed", "\(sandbox.jsonpath("backup/online", ".status")) \(controller.output.suffix(3000))")
        #expect(sandbox.jsonpath("backup/online", ".status.instanceID.podName") == "cluster-example-2", "the standby is preferred")
        #expect(sandbox.jsonpath("backup/online", ".status.method") == "volumeSnapshot")
        #expect(sandbox.jsonpath("backup/online", ".status.online") == "true")
        let label = Data(base64Encoded: sandbox.jsonpath("backup/online", ".status.backupLabelFile")).map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(label.contains("LABEL: online") && label.contains("BACKUP FROM: standby"), "\(label)")
        let begin = LSN(sandbox.jsonpath("backup/online", ".status.beginLSN"))
        let end = LSN(sandbox.jsonpath("backup/online", ".status.endLSN"))
        #expect(begin != nil && end != nil && end! >= begin!, "\(sandbox.jsonpath("backup/online", ".status"))")
        #expect(sandbox.jsonpath("backup/online", ".status.beginWal").count == 24)
        #expect(sandbox.jsonpath("backup/online", ".status.snapshotBackupStatus.elements[0].name") == "online")
        #expect(sandbox.jsonpath("backup/online", ".status.snapshotBackupStatus.elements[0].type") == "PG_DATA")
        #expect(sandbox.jsonpath("volumesnapshot/online", ".status.readyToUse") == "true")
        #expect(sandbox.jsonpath("volumesnapshot/online", ".spec.source.persistentVolumeClaimName") == "cluster-example-2")
        #expect(sandbox.jsonpath("volumesnapshot/online", ".metadata.labels.cnpg\\.io/backupName") == "online")
        #expect(sandbox.jsonpath("volumesnapshot/online", ".metadata.labels.cnpg\\.io/onlineBackup") == "true")
        #expect(!sandbox.jsonpath("volumesnapshot/online", ".metadata.annotations.cnpg\\.io/backupLabelFile").isEmpty)
        #expect(sandbox.jsonpath(cluster, ".status.conditions[?(@.type==\"LastBackupSucceeded\")].status") == "True")
        #expect(!sandbox.jsonpath(cluster, ".status.lastSuccessfulBackup").isEmpty)
        #expect(!sandbox.jsonpath(cluster, ".status.lastSuccessfulBackupByMethod.volumeSnapshot").isEmpty)
        let table = try sandbox.kubectl(["get", "backups"]).output
        #expect(table.contains("online") && table.contains("volumeSnapshot") && table.contains("completed"), "\(table)")

        // Cold, from the standby: fenced (PostgreSQL shut down), snapshotted, unfenced.
        // Through the plugin, as `kubectl cnpg backup` (bad flags are refused before anything is created).
        let plugin = { (arguments: [String]) in try BuiltProducts.run("kubectl-cnpg", arguments + ["--kubeconfig", sandbox.kubeconfig]) }
        let misspelt = try plugin(["backup", "cluster-example", "--backup-target", "standby"])
        #expect(misspelt.status != 0 && misspelt.error.contains("--backup-target"), "\(misspelt.error)")
        let requested = try plugin(["backup", "cluster-example", "--backup-name", "cold", "--method", "volumeSnapshot", "--online", "false"])
        #expect(requested.status == 0 && requested.output == "backup/cold created\n", "\(requested.output) \(requested.error)")
        #expect(sandbox.jsonpath("backup/cold", ".spec.online") == "false")
        let cold = await finished("cold")
        #expect(cold == "completed", "\(sandbox.jsonpath("backup/cold", ".status")) \(controller.output.suffix(3000))")
        #expect(sandbox.jsonpath(cluster, ".metadata.annotations.cnpg\\.io/fencedInstances").isEmpty, "the instance is unfenced again")
        let reasons = try sandbox.kubectl(["get", "events", "--field-selector", "involvedObject.name=cold", "-o", "jsonpath={.items[*].reason}"]).output
        #expect(reasons.contains("FencePod") && reasons.contains("UnfencePod") && reasons.contains("Completed"), "\(reasons)")
        let backOnline = await Eventually.check(within: 90) { sandbox.jsonpath(cluster, ".status.readyInstances") == "2" }
        #expect(backOnline, "\(sandbox.jsonpath(cluster, ".status"))")

        // The cold snapshot is a cleanly shut-down data directory: PostgreSQL starts on a copy and has every row.
        let content = sandbox.jsonpath("volumesnapshot/cold", ".status.boundVolumeSnapshotContentName")
        let copy = sandbox.stateDirectory.appendingPathComponent("kubelet/volume-snapshots/\(content)/pgdata")
        let rows = try PostgresServer.singleUserQuery(binaries, dataDirectoryToCopy: copy, "select count(*) from kept", database: "app")
        let listing = (try? FileManager.default.contentsOfDirectory(atPath: copy.path).sorted()) ?? []
        #expect(rows.contains("= \"1000\""), "\(rows) \(listing) \(sandbox.jsonpath("backup/cold", ".status"))")

        // A new Cluster bootstraps from the cold snapshot: its primary has every row and its own credentials, a standby joins it.
        let restore = { (name: String, snapshot: String) in
            try sandbox.kubectl(
                ["apply", "-f", "-"],
                stdin: """
                    apiVersion: postgresql.cnpg.io/v1
                    kind: Cluster
                    metadata: {name: \(name)}
                    spec:
                      instances: 2
                      smartShutdownTimeout: 5
                      storage: {size: 1Gi}
                      bootstrap:
                        recovery:
                          volumeSnapshots:
                            storage: {name: \(snapshot), kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io}
                    """)
        }
        #expect(try restore("cluster-restore", "cold").status == 0)
        let restored = "cluster/cluster-restore"
        let restoredHealthy = await Eventually.check(within: 180) {
            sandbox.jsonpath(restored, ".status.phase") == "Cluster in healthy state" && sandbox.jsonpath(restored, ".status.readyInstances") == "2"
        }
        #expect(restoredHealthy, "\(sandbox.jsonpath(restored, ".status")) \(controller.output.suffix(2000))")
        #expect(sandbox.jsonpath("job/cluster-restore-1-snapshot-recovery", ".status.succeeded") == "1")
        #expect(sandbox.jsonpath("pvc/cluster-restore-1", ".spec.dataSource.name") == "cold")
        let restoredPassword = sandbox.secretValue("cluster-restore-app", "password")
        #expect(restoredPassword != password, "the new cluster has its own credentials")
        var counted = try PSQL.run(
            binaries, host: sandbox.jsonpath("service/cluster-restore-rw", ".spec.clusterIP"), password: restoredPassword,
            "select count(*) from kept")
        _ = await Eventually.check(within: 30) {
            counted =
                (try? PSQL.run(
                    binaries, host: sandbox.jsonpath("service/cluster-restore-rw", ".spec.clusterIP"), password: restoredPassword,
                    "select count(*) from kept")) ?? counted
            return counted.output == "1000\n"
        }
        #expect(counted.output == "1000\n", "\(counted.output) \(counted.error)")
        #expect(try sandbox.kubectl(["delete", "cluster", "cluster-restore", "--wait=false"]).status == 0)

        // An online snapshot needs the WAL archived up to the backup's end: the operator says so instead of trying.
        #expect(try restore("cluster-from-online", "online").status == 0)
        let blocked = await Eventually.check(within: 30) {
            let messages =
                (try? sandbox.kubectl([
                    "get", "events", "--field-selector", "involvedObject.name=cluster-from-online,reason=SnapshotRecoveryBlocked",
                    "-o", "jsonpath={.items[*].message}",
                ]).output) ?? ""
            return messages.contains("holds an online backup")
        }
        #expect(blocked)
        #expect((try? sandbox.kubectl(["get", "pvc", "cluster-from-online-1"]).status) != 0, "no volume is created from it")
        #expect(try sandbox.kubectl(["delete", "cluster", "cluster-from-online", "--wait=false"]).status == 0)

        // A ScheduledBackup: an immediate Backup, then one per firing, named after the scheduled time.
        let scheduled = try sandbox.kubectl(
            ["apply", "-f", "-"],
            stdin: """
                apiVersion: postgresql.cnpg.io/v1
                kind: ScheduledBackup
                metadata: {name: every-ten}
                spec:
                  schedule: "*/10 * * * * *"
                  immediate: true
                  backupOwnerReference: self
                  method: volumeSnapshot
                  cluster: {name: cluster-example}
                """)
        #expect(scheduled.status == 0, "\(scheduled.error)")
        let mine = {
            (try? sandbox.kubectl([
                "get", "backups", "-l", "cnpg.io/scheduled-backup=every-ten", "-o",
                "jsonpath={range .items[*]}{.metadata.name} {.metadata.labels.cnpg\\.io/immediateBackup} {.status.phase}{\"\\n\"}{end}",
            ]).output) ?? ""
        }
        let two = await Eventually.check(within: 60) {
            let lines = mine().split(separator: "\n")
            return lines.filter { $0.hasSuffix(" completed") }.count >= 2
        }
        #expect(two, "\(mine()) \(sandbox.jsonpath("scheduledbackup/every-ten", ".status"))")
        let lines = mine().split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasSuffix(" true completed") }, "the first is the immediate one: \(lines)")
        #expect(lines.allSatisfy { $0.range(of: #"^every-ten-\d{14} "#, options: .regularExpression) != nil }, "\(lines)")
        #expect(!sandbox.jsonpath("scheduledbackup/every-ten", ".status.lastScheduleTime").isEmpty)
        #expect(!sandbox.jsonpath("scheduledbackup/every-ten", ".status.nextScheduleTime").isEmpty)

        // Suspended, it creates nothing more; deleted, its Backups (owned: backupOwnerReference self) go with it.
        #expect(try sandbox.kubectl(["patch", "scheduledbackup", "every-ten", "--type=merge", "-p", #"{"spec":{"suspend":true}}"#]).status == 0)
        _ = await Eventually.check(within: 60) { !mine().contains(" started") && !mine().contains(" running") && !mine().contains(" finalizing") }
        let before = mine().split(separator: "\n").count
        try await Task.sleep(for: .seconds(12))
        #expect(mine().split(separator: "\n").count == before, "suspended: \(mine())")
        #expect(try sandbox.kubectl(["delete", "scheduledbackup", "every-ten"]).status == 0)
        let collected = await Eventually.check(within: 30) { mine().isEmpty }
        #expect(collected, "\(mine())")
        #expect(sandbox.jsonpath("backup/online", ".status.phase") == "completed", "other Backups stay")

        // A cold backup stuck mid-way (its snapshot class does not exist yet, the instance fenced) survives an operator
        // restart: the new operator carries on, and once the class exists the backup completes and the instance is unfenced.
        #expect(
            try sandbox.kubectl([
                "patch", "cluster", "cluster-example", "--type=merge", "-p",
                #"{"spec":{"backup":{"volumeSnapshot":{"className":"late-class"}}}}"#,
            ]).status == 0)
        #expect(try plugin(["backup", "cluster-example", "--backup-name", "stuck", "--method", "volumeSnapshot", "--online", "false"]).status == 0)
        let stuck = await Eventually.check(within: 60) {
            sandbox.jsonpath("volumesnapshot/stuck", ".status.error.message").contains("late-class")
                && sandbox.jsonpath(cluster, ".metadata.annotations.cnpg\\.io/fencedInstances").contains("cluster-example-2")
        }
        #expect(stuck, "\(sandbox.jsonpath("backup/stuck", ".status")) \(sandbox.jsonpath("volumesnapshot/stuck", ".status"))")
        try await running.restartOperator()
        #expect(sandbox.jsonpath("backup/stuck", ".status.phase") == "running")
        #expect(
            try sandbox.kubectl(
                ["apply", "-f", "-"],
                stdin: """
                    apiVersion: snapshot.storage.k8s.io/v1
                    kind: VolumeSnapshotClass
                    metadata: {name: late-class}
                    driver: volumes.kube-sandbox.local
                    deletionPolicy: Delete
                    """
            ).status == 0)
        let resumed = await finished("stuck", within: 90)
        #expect(resumed == "completed", "\(sandbox.jsonpath("backup/stuck", ".status")) \(controller.output.suffix(2000))")
        #expect(sandbox.jsonpath(cluster, ".metadata.annotations.cnpg\\.io/fencedInstances").isEmpty, "unfenced after the restart")
        #expect(sandbox.jsonpath("volumesnapshot/stuck", ".spec.volumeSnapshotClassName") == "late-class")

        // A cold backup deleted while it holds its instance fenced releases the fence.
        #expect(
            try sandbox.kubectl([
                "patch", "cluster", "cluster-example", "--type=merge", "-p",
                #"{"spec":{"backup":{"volumeSnapshot":{"className":"missing-class"}}}}"#,
            ]).status == 0)
        #expect(try plugin(["backup", "cluster-example", "--backup-name", "abandoned", "--method", "volumeSnapshot", "--online", "false"]).status == 0)
        let holding = await Eventually.check(within: 60) {
            sandbox.jsonpath("backup/abandoned", ".status.phase") == "running"
                && !sandbox.jsonpath(cluster, ".metadata.annotations.cnpg\\.io/fencedInstances").isEmpty
        }
        #expect(holding, "\(sandbox.jsonpath("backup/abandoned", ".status"))")
        #expect(try sandbox.kubectl(["delete", "backup", "abandoned"]).status == 0)
        let released = await Eventually.check(within: 30) {
            sandbox.jsonpath(cluster, ".metadata.annotations.cnpg\\.io/fencedInstances").isEmpty
        }
        #expect(released, "\(controller.output.suffix(1500))")
        #expect(await Eventually.check(within: 120) { sandbox.jsonpath(cluster, ".status.readyInstances") == "2" }, "the instance serves again")

        // Least privilege: the operator's ClusterRole and the instances' Roles were enough throughout.
        let audit = try String(contentsOf: sandbox.stateDirectory.appendingPathComponent("audit.jsonl"), encoding: .utf8)
        // (The restored cluster's pods may still ask for their Cluster while its deletion collects their Role.)
        let refusals = audit.split(separator: "\n").filter { $0.contains("\"code\":403") && !$0.contains("serviceaccount:default:cluster-restore\"") }
        #expect(refusals.isEmpty, "\(refusals.prefix(5).joined(separator: "\n"))")
    }
}
