import CNPGCore
import Foundation
import Testing

/// `kubectl cnpg status` rendering, from fixed data.
@Suite struct ClusterStatusViewTests {
    typealias Fixture = ReconcileDecisionTests

    @Test func tablesAlignAndUnderlineTheirHeaders() {
        var table = TextTable(["Name", "Status"])
        table.add(["cluster-example-1", "OK"])
        table.add(["x", "OK (pending restart)"])
        #expect(table.rendered == """
            Name               Status
            ----               ------
            cluster-example-1  OK
            x                  OK (pending restart)

            """)
    }

    static func view(instances: Int = 2, reports: [String: InstanceStatus]? = nil, errors: [String: String] = [:]) throws -> ClusterStatusView {
        var cluster = try Fixture.cluster(instances: instances, current: "cluster-example-1", latest: instances)
        cluster.metadata.namespace = "default"
        cluster.status?.phase = ClusterStatusBuilder.Phase.healthy
        cluster.status?.instances = instances
        cluster.status?.readyInstances = instances
        cluster.status?.currentPrimaryTimestamp = "2026-11-30T09:00:00.000000Z"
        var primary = Fixture.report(primary: true, received: nil, replayed: nil)
        primary.currentLsn = LSN("0/5000060")
        primary.currentWAL = "000000010000000000000005"
        primary.instanceManagerVersion = "1.30.0"
        primary.replicationInfo = [InstanceStatus.ReplicationInfo(applicationName: "cluster-example-2", state: "streaming", receivedLsn: LSN("0/5000060"),
                                                                  writeLsn: LSN("0/5000060"), flushLsn: LSN("0/5000060"), replayLsn: LSN("0/5000060"),
                                                                  writeLag: "0", flushLag: "0", replayLag: "0", syncState: "quorum", syncPriority: "1")]
        var replica = Fixture.report(primary: false, received: "0/5000060", replayed: "0/5000060")
        replica.isWalReceiverActive = true
        replica.pendingRestart = true
        replica.instanceManagerVersion = "1.30.0"
        let pods = try Dictionary(uniqueKeysWithValues: (1...instances).map { ("cluster-example-\($0)", try Fixture.pod($0, ready: true)) })
        return ClusterStatusView(cluster: cluster, pods: pods, reports: reports ?? ["cluster-example-1": primary, "cluster-example-2": replica],
                                 errors: errors, now: Date(timeIntervalSince1970: 1_796_029_500))
    }

    @Test func summaryReplicationAndInstances() throws {
        let text = try Self.view().render(verbosity: 0, style: .init(color: false))
        #expect(text.contains("Name                    default/cluster-example\n"), "\(text)")
        #expect(text.contains("Primary promotion time: 2026-11-30 09:00:00 +0000 UTC (5m)"), "\(text)")
        #expect(text.contains("Current Write LSN:      0/5000060 (Timeline: 1 - WAL File: 000000010000000000000005)"), "\(text)")
        #expect(text.contains("Continuous Backup not configured"))
        #expect(text.contains("cluster-example-2  0/5000060  0/5000060  0/5000060  0/5000060   0          0          0           streaming  quorum      1              -"), "\(text)")
        #expect(text.contains("cluster-example-1  0/5000060    Primary           OK                    BestEffort  1.30.0"), "\(text)")
        #expect(text.contains("cluster-example-2  0/5000060    Standby (sync)    OK (pending restart)  BestEffort  1.30.0"), "\(text)")
        #expect(!text.contains("\u{1B}["))
        #expect(!text.contains("PostgreSQL HBA Rules"), "configuration only with -v")
        let colored = try Self.view().render(verbosity: 1, style: .init(color: true))
        #expect(colored.contains("\u{1B}[32m") && colored.contains("PostgreSQL HBA Rules"))
    }

    @Test func missingDataIsSaidNotInvented() throws {
        let single = try Self.view(instances: 1).render(verbosity: 0, style: .init(color: false))
        #expect(single.contains("Streaming Replication status\nNot configured\n"))
        let unreachable = try Self.view(reports: [:], errors: ["cluster-example-2": "timed out"]).render(verbosity: 0, style: .init(color: false))
        #expect(unreachable.contains("Primary instance not found"))
        #expect(unreachable.contains("cluster-example-2  -            -                 unable to get status"), "\(unreachable)")
        #expect(unreachable.contains("Error(s) extracting status\ncluster-example-2: timed out"))
        #expect(!unreachable.contains("System ID:"))
    }

    @Test func managedRolesWithVerbose() throws {
        var view = try Self.view()
        let plain = view.render(verbosity: 1, style: .init(color: false))
        #expect(plain.contains("Managed roles status\nNo roles managed\n"), "\(plain)")
        view.cluster.spec.managed = ManagedConfiguration()
        view.cluster.spec.managed?.roles = [RoleConfiguration(name: "dante"), RoleConfiguration(name: "orphan")]
        view.cluster.status?.managedRolesStatus = ManagedRoles(
            byStatus: ["reconciled": ["dante"], "pending-reconciliation": ["orphan"], "reserved": ["streaming_replica", "postgres"]],
            cannotReconcile: ["orphan": ["role \"no_such_role\" does not exist"]])
        let text = view.render(verbosity: 1, style: .init(color: false))
        #expect(text.contains("""
            Managed roles status
            Status                  Roles
            ------                  -----
            pending-reconciliation  orphan
            reconciled              dante
            reserved                postgres,streaming_replica
            """), "\(text)")
        #expect(text.contains("Irreconcilable roles\nRole    Errors\n----    ------\norphan  role \"no_such_role\" does not exist"), "\(text)")
        #expect(!view.render(verbosity: 0, style: .init(color: false)).contains("Managed roles status"))
    }
}
