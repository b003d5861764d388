import CNPGCore
import CNPGTestSupport
import Foundation

/// Bootstrap, unplanned failover (the primary confirmed gone: its processes killed), planned
/// switchover, and failover from an unreachable primary (its processes stopped: a hung node) of
/// CNPG's `cluster-example` (3 instances,
/// quorum synchronous replication ANY 1, every other setting default) on the sandbox with its
/// kubelet, the operator running with only its ClusterRole. Each trial starts from a new sandbox.
struct HighAvailabilityBenchmark: Sendable {
    struct Trial {
        var bootstrapSeconds: Double
        var failoverWindowSeconds: Double
        var failoverLostRows: Int
        var switchoverWindowSeconds: Double
        var switchoverLostRows: Int
        var unreachableWindowSeconds: Double
        var unreachableLostRows: Int
        var operatorIdleMiB: Double
        var operatorLoadedMiB: Double
        var instanceManagerIdleMiB: [Double]
        var instanceManagerLoadedMiB: [Double]
    }

    let cluster = "cluster/cluster-example"
    let log: @Sendable (String) -> Void

    func run(trial: Int) async throws -> Trial {
        let binaries = try PostgresServer.findBinaries()
        let sandbox = try RunningSandbox(kubelet: true, extraArguments: ["--address-block", String(100 + 2 * (trial % 20))])
        defer { _ = sandbox.stop() }
        let debug = ProcessInfo.processInfo.environment["CNPG_BENCH_OPERATOR_DEBUG"] == "1"
        let controller = try await OperatorProcess.installedWithWebhooks(on: sandbox, extraArguments: debug ? ["--log-level", "debug"] : [])
        defer { controller.process.signal(SIGKILL); _ = controller.process.poll() }
        defer { keepPodLogs(sandbox) }

        let applied = Date()
        let result = try sandbox.kubectl(["apply", "-f", BuiltProducts.samples.appendingPathComponent("cluster-example.yaml").path])
        guard result.status == 0 else { throw BenchmarkFailure(description: "kubectl apply: \(result.error)") }
        guard await Eventually.check(within: 300, { healthy(sandbox) }) else { throw failure("bootstrap", sandbox, controller) }
        let bootstrap = Date().timeIntervalSince(applied)
        log("bootstrap: all 3 instances ready after \(String(format: "%.1f", bootstrap)) s")

        let password = sandbox.secretValue("cluster-example-app", "password")
        let readWrite = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        let streaming = await Eventually.check(within: 60) {
            (try? PSQL.run(binaries, host: readWrite, password: password, "SELECT count(*) FROM pg_stat_replication").output)?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "2"
        }
        guard streaming else { throw failure("replication", sandbox, controller) }
        try await Task.sleep(for: .seconds(5))
        let idle = memory(sandbox, controller)

        // Unplanned failover: every process of the primary's container is SIGKILLed.
        let primary = sandbox.jsonpath(cluster, ".status.currentPrimary")
        let writer = try ClusterWrites.start(sandbox, binaries: binaries, host: readWrite, password: password, table: "failover_writes")
        try await Task.sleep(for: .seconds(2))
        let loaded = memory(sandbox, controller)
        guard let helper = pid_t(sandbox.jsonpath("pod/\(primary)", ".status.containerStatuses[0].containerID")
            .replacingOccurrences(of: "sandbox://", with: "")) else { throw failure("the primary's process", sandbox, controller) }
        let killedAt = ContinuousClock.now
        log("killing the primary \(primary) (process \(helper))")
        kill(helper, SIGKILL)
        let failedOver = await Eventually.check(within: 120) {
            let current = sandbox.jsonpath(cluster, ".status.currentPrimary")
            return !current.isEmpty && current != primary
        }
        guard failedOver else { throw failure("failover", sandbox, controller) }
        let failover = try await finish(writer, since: killedAt, binaries: binaries, host: readWrite, password: password, table: "failover_writes")
        log("failover: \(failover.report.summary), \(failover.lost) acknowledged rows missing")
        logFailures(failover.report, since: killedAt)
        guard await Eventually.check(within: 240, { healthy(sandbox) }) else { throw failure("rejoin after failover", sandbox, controller) }

        // Planned switchover to a healthy standby with `kubectl cnpg promote`.
        let current = sandbox.jsonpath(cluster, ".status.currentPrimary")
        let target = ["cluster-example-1", "cluster-example-2", "cluster-example-3"].first { $0 != current && $0 != primary } ?? primary
        let switchWriter = try ClusterWrites.start(sandbox, binaries: binaries, host: readWrite, password: password, table: "switchover_writes")
        try await Task.sleep(for: .seconds(2))
        let promotedAt = ContinuousClock.now
        log("promoting \(target)")
        let promote = try BuiltProducts.run("kubectl-cnpg", ["promote", "cluster-example", target, "--kubeconfig", sandbox.kubeconfig])
        guard promote.status == 0 else { throw BenchmarkFailure(description: "kubectl cnpg promote: \(promote.error)") }
        let switched = await Eventually.check(within: 120) { sandbox.jsonpath(cluster, ".status.currentPrimary") == target }
        guard switched else { throw failure("switchover", sandbox, controller) }
        let switchover = try await finish(switchWriter, since: promotedAt, binaries: binaries, host: readWrite, password: password,
                                          table: "switchover_writes")
        log("switchover: \(switchover.report.summary), \(switchover.lost) acknowledged rows missing")
        logFailures(switchover.report, since: promotedAt)
        guard await Eventually.check(within: 240, { healthy(sandbox) }) else { throw failure("rejoin after switchover", sandbox, controller) }

        // Unplanned failover from a primary that is merely unreachable: every process of its
        // container stopped (SIGSTOP), so the new primary waits for the primary Lease to expire.
        let hung = sandbox.jsonpath(cluster, ".status.currentPrimary")
        let hungWriter = try ClusterWrites.start(sandbox, binaries: binaries, host: readWrite, password: password, table: "unreachable_writes")
        try await Task.sleep(for: .seconds(2))
        guard let hungHelper = pid_t(sandbox.jsonpath("pod/\(hung)", ".status.containerStatuses[0].containerID")
            .replacingOccurrences(of: "sandbox://", with: "")) else { throw failure("the primary's process", sandbox, controller) }
        let stoppedAt = ContinuousClock.now
        log("stopping the primary \(hung) (\(ProcessTree.signal(SIGSTOP, tree: hungHelper)) processes)")
        let replaced = await Eventually.check(within: 120) {
            let current = sandbox.jsonpath(cluster, ".status.currentPrimary")
            return !current.isEmpty && current != hung
        }
        ProcessTree.signal(SIGCONT, tree: hungHelper)
        guard replaced else { throw failure("failover from an unreachable primary", sandbox, controller) }
        let unreachable = try await finish(hungWriter, since: stoppedAt, binaries: binaries, host: readWrite, password: password,
                                           table: "unreachable_writes")
        log("unreachable primary: \(unreachable.report.summary), \(unreachable.lost) acknowledged rows missing")
        logFailures(unreachable.report, since: stoppedAt)

        _ = await controller.stop()
        return Trial(bootstrapSeconds: bootstrap,
                     failoverWindowSeconds: failover.report.longestGap.secondsValue, failoverLostRows: failover.lost,
                     switchoverWindowSeconds: switchover.report.longestGap.secondsValue, switchoverLostRows: switchover.lost,
                     unreachableWindowSeconds: unreachable.report.longestGap.secondsValue, unreachableLostRows: unreachable.lost,
                     operatorIdleMiB: idle.operator, operatorLoadedMiB: loaded.operator,
                     instanceManagerIdleMiB: idle.instanceManagers, instanceManagerLoadedMiB: loaded.instanceManagers)
    }

    /// With CNPG_KEEP_TEST_DIRECTORY=1, each instance pod's log is saved next to the operator's
    /// (the pods and their logs go with the sandbox).
    func keepPodLogs(_ sandbox: RunningSandbox) {
        guard ProcessInfo.processInfo.environment["CNPG_KEEP_TEST_DIRECTORY"] == "1" else { return }
        for serial in 1...3 {
            let pod = "cluster-example-\(serial)"
            for (suffix, extra) in [("", [String]()), ("-previous", ["--previous"])] {
                let logs = (try? sandbox.kubectl(["logs", pod] + extra).output) ?? ""
                _ = try? sandbox.directory.write("\(pod)\(suffix).log", logs)
            }
        }
        log("logs kept in \(sandbox.directory.url.path)")
    }

    func logFailures(_ report: ContinuousWriter.Report, since start: ContinuousClock.Instant) {
        for failure in report.failures.prefix(5) {
            log(String(format: "  failed write at +%.2f s after ", (failure.began - start).secondsValue) + failure.description)
        }
    }

    func healthy(_ sandbox: RunningSandbox) -> Bool {
        sandbox.jsonpath(cluster, ".status.readyInstances") == "3" && sandbox.jsonpath(cluster, ".status.phase") == "Cluster in healthy state"
    }

    /// Resident memory of the operator and of each instance manager (the pods' `instance-manager run`).
    func memory(_ sandbox: RunningSandbox, _ controller: OperatorProcess) -> (operator: Double, instanceManagers: [Double]) {
        let containers = (try? sandbox.kubectl(["get", "pods", "-l", "cnpg.io/podRole=instance", "-o",
                                                 "jsonpath={range .items[*]}{.status.containerStatuses[0].containerID}{\" \"}{end}"]).output) ?? ""
        let helpers = containers.split(separator: " ").compactMap { pid_t($0.replacingOccurrences(of: "sandbox://", with: "")) }
        // In a pod the instance manager is CNPG's /controller/manager.
        let managers = helpers.flatMap { ProcessMemory.processes(named: ["instance-manager", "manager"], below: $0) }
        return (ProcessMemory.usage(of: controller.process.pid)?.residentMiB ?? .nan,
                managers.compactMap { ProcessMemory.usage(of: $0)?.residentMiB })
    }

    /// Stops `writer` once it has written again after `instant`; the acknowledged rows missing from `table`.
    func finish(_ writer: ContinuousWriter, since instant: ContinuousClock.Instant, binaries: URL, host: String, password: String,
                table: String) async throws -> (report: ContinuousWriter.Report, lost: Int) {
        let outcome = try await ClusterWrites.finish(writer, since: instant, binaries: binaries, host: host, password: password,
                                                     table: table, resumeWithin: 120, readBackWithin: 30)
        guard outcome.resumed else { throw BenchmarkFailure(description: "writes never resumed: \(outcome.report.summary)") }
        guard outcome.readBack.status == 0 else { throw BenchmarkFailure(description: "could not read \(table) back") }
        return (outcome.report, outcome.missing.count)
    }

    func failure(_ step: String, _ sandbox: RunningSandbox, _ controller: OperatorProcess) -> BenchmarkFailure {
        BenchmarkFailure(description: "\(step) did not complete; cluster status: \(sandbox.jsonpath(cluster, ".status").prefix(1500))\n"
            + "operator log tail: \(controller.output.suffix(1500))")
    }
}
