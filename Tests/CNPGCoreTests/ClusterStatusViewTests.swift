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
        #expect(
            table.rendered == """
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
        primary.replicationInfo = [
            InstanceStatus.ReplicationInfo(
                applicationName: "cluster-example-2", state: "streaming", receivedLsn: LSN("0/5000060"),
                writeLsn: LSN("0/5000060"), flushLsn: LSN("0/5000060"), replayLsn: LSN("0/5000060"),
                writeLag: "0", flushLag: "0", replayLag: "0", syncState: "quorum", syncPriority: "1")
        ]
        var replica = Fixture.report(primary: false, received: "0/5000060", replayed: "0/5000060")
        replica.isWalReceiverActive = true
        replica.pendingRestart = true
        replica.instanceManagerVersion = "1.30.0"
        let pods = try Dictionary(uniqueKeysWithValues: (1...instances).map { ("cluster-example-\($0)", try Fixture.pod($0, ready: true)) })
        return ClusterStatusView(
            cluster: cluster, pods: pods, reports: reports ?? ["cluster-example-1": primary, "cluster-example-2": replica],
            errors: errors, now: Date(timeIntervalSince1970: 1_796_029_500))
    }

    @Test func summaryReplicationAndInstances() throws {
        let text = try Self.view().render(verbosity: 0, style: .init(color: false))
        #expect(text.contains("Name                    default/cluster-example\n"), "\(text)")
        #expect(text.contains("Primary promotion time: 2026-11-30 09:00:00 +0000 UTC (5m)"), "\(text)")
        #expect(text.contains("Current Write LSN:      0/5000060 (Timeline: 1 - WAL File: 000000010000000000000005)"), "\(text)")
        #expect(text.contains("Continuous Backup not configured"))
        #expect(
            text.contains(
                "cluster-example-2  0/5000060  0/5000060  0/5000060  0/5000060   0          0          0           streaming  quorum      1              -"),
            "\(text)")
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

    @Test("Size shows the primary's du figure, the failure in red, or why it was not measured")
    func sizeLine() throws {
        var view = try Self.view()
        #expect(view.wantsSize)
        view.size = .success("47M")
        #expect(view.render(verbosity: 0, style: .init(color: false)).contains("Ready instances:        2\nSize:                   47M\n"))
        #expect(view.document["TotalClusterSize"]?.stringValue == "47M")
        view.size = .failure(PluginExecError("pods \"cluster-example-1\" is forbidden"))
        #expect(
            view.render(verbosity: 0, style: .init(color: true)).contains("Size:                   \u{1B}[31mpods \"cluster-example-1\" is forbidden\u{1B}[0m"))
        view.size = nil
        view.cluster.metadata.annotations = ["cnpg.io/fencedInstances": #"["cluster-example-1"]"#]
        #expect(!view.wantsSize)
        #expect(view.render(verbosity: 0, style: .init(color: false)).contains("Fenced instances:  cluster-example-1\nSize:              - (fenced)\n"))
        view.cluster.metadata.annotations = nil
        view.cluster.status?.conditions = [
            Condition(type: Hibernation.conditionType, status: "True", lastTransitionTime: "2026-11-30T09:00:00Z", reason: "Hibernated", message: "")
        ]
        #expect(!view.wantsSize)
        #expect(view.document["TotalClusterSize"]?.stringValue == "- (hibernated)")
    }

    @Test("psql and du run through kubectl exec in the postgres container with the plugin's connection flags")
    func podExecInvocation() throws {
        let invocation = PodExecInvocation(kubeconfig: "/k", context: "ctx", namespace: "db")
        #expect(
            invocation.arguments(pod: "pg-1", tty: true, stdin: true, command: PodExecInvocation.psqlCommand(["-c", "select 1"]))
                == [
                    "exec", "--kubeconfig", "/k", "--context", "ctx", "-n", "db", "-t", "-i", "-c", "postgres", "pg-1", "--",
                    "psql", "-U", "postgres", "-c", "select 1",
                ])
        #expect(PodExecInvocation.psqlCommand(["-U", "app"]) == ["psql", "-U", "app"])
        #expect(PodExecInvocation.psqlCommand(["-Uapp"]) == ["psql", "-Uapp"])
        #expect(PodExecInvocation.psqlCommand(["--username=app", "-At"]) == ["psql", "--username=app", "-At"])
        #expect(
            PodExecInvocation(kubeconfig: nil, context: nil, namespace: "default").arguments(pod: "p", command: PodExecInvocation.sizeCommand)
                == ["exec", "-n", "default", "-c", "postgres", "p", "--", "du", "-sLh", "/var/lib/postgresql/data/pgdata"])
        let pods = try [Fixture.pod(2, ready: true), Fixture.pod(1, ready: true), Fixture.pod(3, ready: true)].map {
            $0.setting(
                "metadata",
                to: ($0["metadata"] ?? .object([])).setting(
                    "labels",
                    to: .object([
                        ("cnpg.io/instanceRole", .string($0["metadata"]?["name"]?.stringValue == "cluster-example-2" ? "primary" : "replica"))
                    ])))
        }
        #expect(PodExecInvocation.pod(withRole: "primary", in: pods) == "cluster-example-2")
        #expect(PodExecInvocation.pod(withRole: "replica", in: pods) == "cluster-example-1")
        #expect(PodExecInvocation.pod(withRole: "primary", in: []) == nil)
        #expect(PodExecInvocation.size(fromDiskUsage: "47M\t/var/lib/postgresql/data/pgdata\n") == "47M")
        #expect(PodExecInvocation.size(fromDiskUsage: "") == nil)
    }

    @Test(
        "promote refuses a pod of another cluster, a fenced instance, a pod that is not ready, an instance not reported as a replica, and any promotion while a switchover or failover is under way"
    )
    func promotionCheck() throws {
        var cluster = try Fixture.cluster(instances: 3, current: "cluster-example-1", latest: 3)
        cluster.status?.instancesReportedState = [
            "cluster-example-1": InstanceReportedState(isPrimary: true, timeLineID: 1, ip: "127.0.1.1"),
            "cluster-example-2": InstanceReportedState(isPrimary: false, timeLineID: 1, ip: "127.0.1.2"),
        ]
        let labelled = { (pod: JSONValue, cluster: String) in
            pod.setting("metadata", to: (pod["metadata"] ?? .object([])).setting("labels", to: .object([("cnpg.io/cluster", .string(cluster))])))
        }
        let ready = labelled(try Fixture.pod(2, ready: true), "cluster-example")
        #expect(PromotionCheck.problem(pod: ready, cluster: cluster) == nil)
        #expect(
            PromotionCheck.problem(pod: labelled(try Fixture.pod(2, ready: false), "cluster-example"), cluster: cluster)
                == "instance cluster-example-2 is not ready: only a healthy replica can be promoted")
        #expect(
            PromotionCheck.problem(pod: labelled(try Fixture.pod(2, ready: true), "other"), cluster: cluster)
                == "pod \"cluster-example-2\" is not an instance of cluster \"cluster-example\"")
        // A former primary right after a failover away from it: ready, but not (yet) a replica.
        let formerPrimary = labelled(try Fixture.pod(1, ready: true), "cluster-example")
        cluster.status?.currentPrimary = "cluster-example-2"
        cluster.status?.targetPrimary = "cluster-example-2"
        #expect(
            PromotionCheck.problem(pod: formerPrimary, cluster: cluster)
                == "instance cluster-example-1 is not reported as a replica (status.instancesReportedState): only a healthy replica can be promoted")
        cluster.status?.instancesReportedState?["cluster-example-1"] = nil
        #expect(PromotionCheck.problem(pod: formerPrimary, cluster: cluster)?.hasPrefix("instance cluster-example-1 is not reported as a replica") == true)
        cluster.status?.targetPrimary = "cluster-example-3"
        #expect(
            PromotionCheck.problem(pod: ready, cluster: cluster) == "a switchover or failover to cluster-example-3 is in progress: wait until it completes")
        cluster.status?.currentPrimary = "cluster-example-1"
        cluster.status?.targetPrimary = "cluster-example-1"
        cluster.metadata.annotations = ["cnpg.io/fencedInstances": #"["*"]"#]
        #expect(PromotionCheck.problem(pod: ready, cluster: cluster) == "instance cluster-example-2 is fenced: unfence it before promoting it")
    }

    @Test("-v adds tablespaces, disruption budgets and plugins; a hibernated cluster shows its hibernation and no instances")
    func verboseSectionsAndHibernation() throws {
        var view = try Self.view()
        let plain = view.render(verbosity: 0, style: .init(color: false))
        #expect(!plain.contains("Pod Disruption Budgets status") && !plain.contains("Plugins status") && !plain.contains("Hibernation\n"))
        #expect(view.render(verbosity: 1, style: .init(color: false)).contains("Pod Disruption Budgets status\nNo active PodDisruptionBudgets found\n"))
        view.budgets = [
            try JSONText.parse(
                #"{"metadata":{"name":"cluster-example-primary"},"spec":{"minAvailable":1,"selector":{"matchLabels":{"cnpg.io/cluster":"cluster-example","cnpg.io/instanceRole":"primary"}}},"status":{"expectedPods":1,"currentHealthy":1,"desiredHealthy":1,"disruptionsAllowed":0}}"#
            )
        ]
        view.cluster.status?.tablespacesStatus = try [
            ObjectCodec.decode(TablespaceState.self, from: JSONText.parse(#"{"name":"hot","owner":"app","state":"reconciled"}"#))
        ]
        let verbose = view.render(verbosity: 1, style: .init(color: false))
        #expect(verbose.contains("cluster-example-primary  primary  1              1                1                        0"), "\(verbose)")
        #expect(verbose.contains("Tablespaces status\nTablespace  Owner  Status      Temporary  Error\n"), "\(verbose)")
        #expect(verbose.contains("hot         app    reconciled  false"), "\(verbose)")
        #expect(verbose.contains("Plugins status\nNo plugins found\n"))
        view.cluster.status?.conditions = [
            Condition(
                type: Hibernation.conditionType, status: "True", lastTransitionTime: "2026-11-30T09:00:00Z",
                reason: "Hibernated", message: "Cluster has been hibernated")
        ]
        let hibernated = view.render(verbosity: 0, style: .init(color: false))
        #expect(
            hibernated.contains("Hibernation\nStatus  Hibernated\nMessage Cluster has been hibernated\nTime    2026-11-30 09:00:00 +0000 UTC\n"),
            "\(hibernated)")
        #expect(!hibernated.contains("Instances status") && !hibernated.contains("Streaming Replication status"))
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
        #expect(
            text.contains(
                """
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
