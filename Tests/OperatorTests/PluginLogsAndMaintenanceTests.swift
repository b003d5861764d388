import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// `kubectl cnpg` found by the real kubectl on PATH: `logs cluster` prints and follows every pod's
/// log (a re-created pod included), `psql` reaches the primary or a replica through `kubectl exec`,
/// `status` shows PGDATA's size, `maintenance set|unset` patches nodeMaintenanceWindow after
/// showing CNPG's table, and the operator drops the standbys' PodDisruptionBudget for the window.
extension ClusterLifecycleTests {
    @Test(
        "kubectl cnpg logs cluster (all pods, --tail, -f across a re-created pod), psql, status Size and maintenance set/unset, through kubectl's plugin lookup"
    )
    func pluginLogsAndMaintenance() async throws {
        guard let env = ExternalTool.find("env"), let kubectl = ExternalTool.find("kubectl") else { throw TestFailure("env and kubectl are needed") }
        let running = try await OperatorOnSandbox.start()
        defer { running.tearDown() }
        let sandbox = running.sandbox
        try Self.apply(sandbox, instances: 3)
        let cluster = "cluster/cluster-example"
        let healthy = { sandbox.jsonpath(cluster, ".status.readyInstances") == "3" && sandbox.jsonpath(cluster, ".status.phase") == "Cluster in healthy state" }
        try #require(await Eventually.check(within: 180, healthy), "status: \(sandbox.jsonpath(cluster, ".status"))")

        let path = try BuiltProducts.executable("kubectl-cnpg").deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")
        let plugin = { (arguments: [String], stdin: String?) in
            try ExternalTool.run(env, ["PATH=\(path)", kubectl.path, "cnpg"] + arguments + ["--kubeconfig", sandbox.kubeconfig], stdin: stdin)
        }
        let cnpg = { (arguments: [String]) in try plugin(arguments, nil) }

        // Every pod of the cluster: both instances and the bootstrap jobs' pods.
        let all = try cnpg(["logs", "cluster", "cluster-example"])
        #expect(all.status == 0, "\(all.error)")
        for pod in ["cluster-example-1", "cluster-example-2", "cluster-example-3"] {
            #expect(all.output.contains(#""logging_pod":"\#(pod)""#), "no log line of \(pod)")
        }
        let pods = (try sandbox.kubectl(["get", "pods", "-l", "cnpg.io/cluster=cluster-example", "-o", "name"]).output)
            .split(separator: "\n").count
        let tail = try cnpg(["logs", "cluster", "cluster-example", "--tail", "1"])
        #expect(tail.output.split(separator: "\n").count == pods, "--tail 1 prints one line per pod (\(pods)): \(tail.output)")
        // The same lines made readable: only PostgreSQL's, in time order.
        let pretty = try plugin(["logs", "pretty", "--loggers", "postgres", "--min-level", "info"], all.output)
        #expect(pretty.status == 0, "\(pretty.error)")
        let prettyLines = pretty.output.split(separator: "\n")
        #expect(!prettyLines.isEmpty && prettyLines.allSatisfy { $0.split(separator: " ").dropFirst(3).first == "postgres" }, "\(pretty.output.prefix(1500))")
        #expect(
            prettyLines.contains { $0.contains(" cluster-example-1 postgres ") && $0.contains("database system is ready to accept connections") },
            "\(pretty.output.prefix(1500))")
        let missing = try cnpg(["logs", "cluster", "nope"])
        #expect(missing.status != 0 && missing.error.contains(#"cluster "nope" not found in namespace "default""#), "\(missing.error)")

        // Following, into a file: the replica's pod is deleted and re-created, and its new log joins.
        let file = sandbox.directory.url.appendingPathComponent("follow.jsonl").path
        let follower = try ChildProcess.spawn(
            env.path,
            [
                "PATH=\(path)", kubectl.path, "cnpg", "logs", "cluster", "cluster-example", "-f",
                "-o", file, "--kubeconfig", sandbox.kubeconfig,
            ],
            stdout: .file(sandbox.directory.url.appendingPathComponent("follow.out").path),
            stderr: .file(sandbox.directory.url.appendingPathComponent("follow.err").path))
        defer { ExternalTool.reap(follower, until: Date()) }
        let replica = sandbox.jsonpath(cluster, ".status.currentPrimary") == "cluster-example-3" ? "cluster-example-2" : "cluster-example-3"
        let readyLines = {
            ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n")
                .filter { $0.contains(#""logging_pod":"\#(replica)""#) && $0.contains("database system is ready to accept read-only connections") }.count
        }
        try #require(await Eventually.check(within: 30) { readyLines() == 1 }, "the follower never printed \(replica)'s start")
        let uid = sandbox.jsonpath("pod/\(replica)", ".metadata.uid")
        #expect(try sandbox.kubectl(["delete", "pod", replica]).status == 0)
        let followed = await Eventually.check(within: 120) { readyLines() >= 2 }
        #expect(followed, "the re-created \(replica) (was \(uid)) never showed up in the followed log")
        #expect(follower.poll() == nil, "the follower stopped on its own")
        follower.signal(SIGTERM)
        _ = await follower.wait(timeout: .seconds(10))
        try #require(await Eventually.check(within: 120, healthy))

        // psql through kubectl exec: the primary by default, a replica on request, stdin carried to psql.
        let psql = { (arguments: [String], stdin: String?) in
            try ExternalTool.run(
                env, ["PATH=\(path)", kubectl.path, "cnpg", "psql", "cluster-example", "--kubeconfig", sandbox.kubeconfig, "--"] + arguments,
                stdin: stdin)
        }
        let onPrimary = try psql(["-Atc", "select pg_is_in_recovery(), current_user"], nil)
        #expect(onPrimary.status == 0 && onPrimary.output == "f|postgres\n", "\(onPrimary.output) \(onPrimary.error)")
        let onReplica = try ExternalTool.run(
            env,
            [
                "PATH=\(path)", kubectl.path, "cnpg", "psql", "cluster-example", "--replica", "--kubeconfig",
                sandbox.kubeconfig, "--", "-Atc", "select pg_is_in_recovery()",
            ])
        #expect(onReplica.status == 0 && onReplica.output == "t\n", "\(onReplica.output) \(onReplica.error)")
        let piped = try psql(["-At"], "select 40 + 2;\n")
        #expect(piped.output == "42\n", "\(piped.output) \(piped.error)")
        let failing = try psql(["-Atc", "select * from no_such_table"], nil)
        #expect(failing.status != 0 && failing.error.contains("relation \"no_such_table\" does not exist"), "\(failing.error)")
        // status measures PGDATA on the primary through the same exec.
        let status = try cnpg(["status", "cluster-example", "--color", "never"])
        let sizeLine = status.output.split(separator: "\n").first { $0.hasPrefix("Size:") }.map(String.init) ?? ""
        let size = sizeLine.dropFirst("Size:".count).trimmingCharacters(in: .whitespaces)
        #expect(size.range(of: #"^[0-9.]+[KMG]$"#, options: .regularExpression) != nil, "size line: \(sizeLine) in \(status.output)")
        // -v: the budgets as the sandbox's disruption controller counts them (primary: none may go; standbys: one of two).
        let budgetRows = { () -> [String] in
            let verbose = (try? cnpg(["status", "cluster-example", "-v", "--color", "never"]).output) ?? ""
            return verbose.split(separator: "\n").filter { $0.hasPrefix("cluster-example ") || $0.hasPrefix("cluster-example-primary ") }
                .map { $0.split(separator: " ").joined(separator: " ") }
        }
        #expect(
            await Eventually.check(within: 30) { budgetRows() == ["cluster-example replica 2 2 1 1", "cluster-example-primary primary 1 1 1 0"] },
            "\(budgetRows())")

        // Maintenance: CNPG's table, then the patch.
        let set = try cnpg(["maintenance", "set", "cluster-example", "--reusePVC"])
        #expect(set.status == 0, "\(set.error)")
        #expect(set.output.contains("Namespace  Cluster Name     Maintenance    reusePVC"), "\(set.output)")
        #expect(set.output.contains("default    cluster-example  false => true  true => true"), "\(set.output)")
        #expect(sandbox.jsonpath(cluster, ".spec.nodeMaintenanceWindow.inProgress") == "true")
        // The operator lets nodes drain: the standbys' budget goes, the primary's stays.
        let budgets = { (try? sandbox.kubectl(["get", "pdb", "-o", "jsonpath={.items[*].metadata.name}"]).output) ?? "?" }
        #expect(await Eventually.check(within: 30) { budgets() == "cluster-example-primary" }, "budgets: \(budgets())")
        // CNPG's -y asks first; anything but y changes nothing.
        let declined = try plugin(["maintenance", "unset", "-y"], "n\n")
        #expect(declined.output.contains("Do you want to proceed? [y/n]: "), "\(declined.output)")
        #expect(sandbox.jsonpath(cluster, ".spec.nodeMaintenanceWindow.inProgress") == "true")
        let unset = try cnpg(["maintenance", "unset"])
        #expect(unset.output.contains("default    cluster-example  true => false  true => false"), "\(unset.output)")
        #expect(sandbox.jsonpath(cluster, ".spec.nodeMaintenanceWindow.inProgress") == "false")
        #expect(sandbox.jsonpath(cluster, ".spec.nodeMaintenanceWindow.reusePVC") == "false")
        #expect(await Eventually.check(within: 30) { budgets() == "cluster-example cluster-example-primary" }, "budgets: \(budgets())")
        let both = try cnpg(["maintenance", "set", "cluster-example", "-A"])
        #expect(both.status != 0 && both.error.contains("give a cluster or --all-namespaces, not both"), "\(both.error)")
    }
}
