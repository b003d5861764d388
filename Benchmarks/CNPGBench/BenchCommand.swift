import ArgumentParser
import CNPGCore
import CNPGTestSupport
import Foundation

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnpg-bench",
        abstract: "Measure failover, switchover, bootstrap, reconcile scale, webhook latency, memory and a clean `make test`.",
        discussion: """
            Every benchmark runs on the local sandbox (loopback only) with the built executables (CNPG_BIN_DIR, else .build/debug; `make bench` builds and uses a release build), cleans up after itself, and is bounded in time. Prints a table of median, min and max per figure and writes them to --output (JSON) and the same table in Markdown next to it; figures of benchmarks not run this time are kept from the existing file.

            For a post-mortem: CNPG_KEEP_TEST_DIRECTORY=1 keeps each sandbox's directory (operator, sandbox and instance logs, the API audit log); CNPG_BENCH_OPERATOR_DEBUG=1 runs the operator with --log-level debug.
            """)

    enum Benchmark: String, CaseIterable, ExpressibleByArgument {
        case ha, webhook, scale, unrelated, cleanTest = "clean-test"
    }

    @Option(name: .long, parsing: .upToNextOption, help: "Benchmarks to run.")
    var only: [Benchmark] = Benchmark.allCases

    @Option(help: "Trials of each benchmark but the clean make test (each trial on a new sandbox).")
    var trials = 3

    @Option(help: "Clusters created for the reconcile-scale benchmark.")
    var clusters = 1000

    @Option(help: "Unrelated Secrets (and as many ConfigMaps) created for the memory benchmark.")
    var unrelatedObjects = 5000

    @Option(help: "Seconds of steady state in which the operator's API writes are counted.")
    var steadySeconds = 300

    @Option(help: "AdmissionReviews per second sent to the webhook.")
    var webhookRate = 200

    @Option(help: "Seconds of webhook load.")
    var webhookSeconds = 30

    @Option(help: "Where the results are written (JSON).")
    var output = "bench/results.json"

    func validate() throws {
        guard trials > 0 else { throw ValidationError("--trials must be at least 1") }
        guard clusters > 0 else { throw ValidationError("--clusters must be at least 1") }
        guard unrelatedObjects > 0 else { throw ValidationError("--unrelated-objects must be at least 1") }
        guard steadySeconds > 0 else { throw ValidationError("--steady-seconds must be positive") }
        guard webhookRate > 0, webhookRate <= 2000 else { throw ValidationError("--webhook-rate must be between 1 and 2000") }
        guard webhookSeconds > 0, webhookSeconds <= 600 else { throw ValidationError("--webhook-seconds must be between 1 and 600") }
    }

    func run() async throws {
        let log: @Sendable (String) -> Void = { message in
            FileHandle.standardError.write(Data("[\(JSONLogHandler.timestamp())] \(message)\n".utf8))
        }
        var figures: [BenchmarkFigure] = []
        var failures: [String] = []
        for benchmark in Benchmark.allCases where only.contains(benchmark) {
            do {
                switch benchmark {
                case .ha: figures += try await highAvailability(log)
                case .webhook: figures += try await webhook(log)
                case .scale: figures += try await scale(log)
                case .unrelated: figures += try await unrelated(log)
                case .cleanTest:
                    let seconds = try CleanTestBenchmark(log: log).run()
                    figures.append(BenchmarkFigure(name: "clean make test", unit: "s", samples: [seconds], target: "CI limit 5400 s"))
                }
            } catch {
                log("\(benchmark.rawValue) failed: \(error)")
                failures.append("\(benchmark.rawValue): \(error)")
            }
        }
        let results = try BenchmarkResults.merged(figures, into: output, failures: failures)
        try results.write(to: output)
        print(BenchmarkTable.render(results.figures), terminator: "")
        print("results: \(output)")
        if !failures.isEmpty { throw ExitCode(1) }
    }

    func highAvailability(_ log: @escaping @Sendable (String) -> Void) async throws -> [BenchmarkFigure] {
        var bootstrap = BenchmarkFigure(name: "bootstrap, 3 instances", unit: "s")
        var failover = BenchmarkFigure(name: "failover write window", unit: "s", target: "median < 2")
        var failoverLost = BenchmarkFigure(name: "failover rows lost", unit: "rows", target: "0")
        var switchover = BenchmarkFigure(name: "switchover write window", unit: "s", target: "median < 2")
        var switchoverLost = BenchmarkFigure(name: "switchover rows lost", unit: "rows", target: "0")
        var unreachable = BenchmarkFigure(name: "failover write window (primary unreachable)", unit: "s", target: "< 20: max(detection, lease 15 s)")
        var unreachableLost = BenchmarkFigure(name: "failover rows lost (primary unreachable)", unit: "rows", target: "0")
        var operatorIdle = BenchmarkFigure(name: "operator RSS, 1 cluster idle", unit: "MiB")
        var operatorLoaded = BenchmarkFigure(name: "operator RSS, 1 cluster writing", unit: "MiB")
        var managerIdle = BenchmarkFigure(name: "instance manager RSS, idle", unit: "MiB")
        var managerLoaded = BenchmarkFigure(name: "instance manager RSS, writing", unit: "MiB")
        let benchmark = HighAvailabilityBenchmark(log: log)
        for trial in 1...trials {
            log("ha trial \(trial) of \(trials)")
            let result = try await benchmark.run(trial: trial)
            bootstrap.samples.append(result.bootstrapSeconds)
            failover.samples.append(result.failoverWindowSeconds)
            failoverLost.samples.append(Double(result.failoverLostRows))
            switchover.samples.append(result.switchoverWindowSeconds)
            switchoverLost.samples.append(Double(result.switchoverLostRows))
            unreachable.samples.append(result.unreachableWindowSeconds)
            unreachableLost.samples.append(Double(result.unreachableLostRows))
            operatorIdle.samples.append(result.operatorIdleMiB)
            operatorLoaded.samples.append(result.operatorLoadedMiB)
            managerIdle.samples += result.instanceManagerIdleMiB
            managerLoaded.samples += result.instanceManagerLoadedMiB
        }
        return [bootstrap, failover, failoverLost, switchover, switchoverLost, unreachable, unreachableLost, operatorIdle, operatorLoaded, managerIdle, managerLoaded]
    }

    func webhook(_ log: @escaping @Sendable (String) -> Void) async throws -> [BenchmarkFigure] {
        let load = "\(webhookRate)/s for \(webhookSeconds) s"
        var p50 = BenchmarkFigure(name: "webhook p50 at \(load)", unit: "ms")
        var p99 = BenchmarkFigure(name: "webhook p99 at \(load)", unit: "ms", target: "< 5")
        var errors = BenchmarkFigure(name: "webhook errors at \(load)", unit: "of \(webhookRate * webhookSeconds)", target: "0")
        var idle = BenchmarkFigure(name: "operator RSS, webhook idle", unit: "MiB")
        var loaded = BenchmarkFigure(name: "operator RSS, webhook load", unit: "MiB")
        for trial in 1...trials {
            log("webhook trial \(trial) of \(trials)")
            let result = try await WebhookLoadBenchmark(rate: webhookRate, seconds: webhookSeconds, log: log).run()
            let latencies = BenchmarkFigure(name: "webhook latency", unit: "ms", samples: result.latenciesMilliseconds)
            if let value = latencies.percentile(0.5) { p50.samples.append(value) }
            if let value = latencies.percentile(0.99) { p99.samples.append(value) }
            errors.samples.append(Double(result.errors))
            idle.samples.append(result.operatorIdleMiB)
            loaded.samples.append(result.operatorLoadedMiB)
        }
        return [p50, p99, errors, idle, loaded]
    }

    func scale(_ log: @escaping @Sendable (String) -> Void) async throws -> [BenchmarkFigure] {
        let prefix = "\(clusters) clusters:"
        var convergence = BenchmarkFigure(name: "\(prefix) time to every object", unit: "s")
        var peak = BenchmarkFigure(name: "\(prefix) operator peak RSS", unit: "MiB")
        var steady = BenchmarkFigure(name: "\(prefix) operator RSS, steady", unit: "MiB")
        var writes = BenchmarkFigure(name: "\(prefix) writes in \(steadySeconds) s steady", unit: "calls", target: "0")
        var requests = BenchmarkFigure(name: "\(prefix) requests in \(steadySeconds) s steady", unit: "calls")
        for trial in 1...trials {
            log("scale trial \(trial) of \(trials)")
            let result = try await ReconcileScaleBenchmark(clusters: clusters, steadySeconds: steadySeconds, log: log).run()
            convergence.samples.append(result.convergenceSeconds)
            peak.samples.append(result.operatorPeakMiB)
            steady.samples.append(result.operatorSteadyMiB)
            writes.samples.append(Double(result.steadyStateWrites))
            requests.samples.append(Double(result.steadyStateRequests))
        }
        return [convergence, peak, steady, writes, requests]
    }

    func unrelated(_ log: @escaping @Sendable (String) -> Void) async throws -> [BenchmarkFigure] {
        let clusters = 10
        var baseline = BenchmarkFigure(name: "operator RSS, \(clusters) clusters", unit: "MiB")
        var loaded = BenchmarkFigure(name: "operator RSS, \(clusters) clusters + \(2 * unrelatedObjects) unrelated Secrets/ConfigMaps", unit: "MiB",
                                     target: "within 10% of the line above")
        for trial in 1...trials {
            log("unrelated trial \(trial) of \(trials)")
            let result = try await UnrelatedObjectsBenchmark(clusters: clusters, count: unrelatedObjects, log: log).run()
            baseline.samples.append(result.baselineMiB)
            loaded.samples.append(result.withUnrelatedMiB)
        }
        return [baseline, loaded]
    }
}
