import CNPGCore
import CNPGTestSupport
import Foundation
import KubeSandbox
import Testing

@Suite struct FaultSpecTests {
    @Test func parsesEveryFault() throws {
        let spec = try FaultSpec(parsing: "seed=7, error=0.1:500/429/409, latency=0.2:150ms, drop-watch=0.5:2s")
        #expect(spec.seed == 7)
        #expect(spec.errorRate == 0.1)
        #expect(spec.errorCodes == [500, 429, 409])
        #expect(spec.latencyRate == 0.2)
        #expect(spec.latency == .milliseconds(150))
        #expect(spec.dropWatchRate == 0.5)
        #expect(spec.dropWatchAfter == .seconds(2))
    }

    @Test(arguments: ["error", "error=2", "error=0.1:200", "latency=0.1", "latency=0.1:soon", "seed=-1", "explode=1", "drop-watch=x"])
    func rejectsBadSpecs(text: String) {
        #expect(throws: FaultSpec.ParseError.self) { try FaultSpec(parsing: text) }
    }

    @Test func decisionsAreReproducibleAndFollowTheRates() throws {
        let spec = try FaultSpec(parsing: "seed=42,error=0.1:500/429,drop-watch=0.5")
        let first = FaultInjector(spec: spec)
        let second = FaultInjector(spec: spec)
        let a = (0..<10_000).map { _ in first.decide(isWatch: true) }
        let b = (0..<10_000).map { _ in second.decide(isWatch: true) }
        #expect(a == b)
        let errors = a.filter { $0.errorCode != nil }
        #expect((800...1200).contains(errors.count))
        #expect(Set(errors.compactMap(\.errorCode)) == [500, 429])
        #expect((4500...5500).contains(a.filter { $0.dropWatchAfter != nil }.count))
    }
}

@Suite(.serialized) struct FaultInjectionTests {
    let configMaps = ResourceType.configMaps

    @Test func clientRetriesInjectedErrorsAndGivesUpWhenTheyPersist() async throws {
        let flaky = try RunningSandbox(extraArguments: ["--faults", "seed=3,error=0.3:503/429"])
        let client = try HTTPKubeClient(configuration: try KubeClientConfiguration.fromKubeconfig(path: flaky.kubeconfig))
        for _ in 0..<20 {
            _ = try await client.list(configMaps, namespace: "default")
        }
        try await client.shutdown()
        #expect(flaky.stop() == 0)

        let broken = try RunningSandbox(extraArguments: ["--faults", "error=1:503"])
        let failing = try HTTPKubeClient(configuration: try KubeClientConfiguration.fromKubeconfig(path: broken.kubeconfig))
        do {
            _ = try await failing.list(configMaps, namespace: "default")
            Issue.record("every request fails, so the list must fail after its retries")
        } catch let error as KubeAPIError {
            #expect(error.code == 503)
            #expect(error.description.contains("injected fault"))
        }
        try await failing.shutdown()
        #expect(broken.stop() == 0)
    }

    @Test func droppedWatchesEndEarlyAndInformersCarryOn() async throws {
        let sandbox = try RunningSandbox(extraArguments: ["--faults", "drop-watch=1:1s"])
        let client = try HTTPKubeClient(configuration: try KubeClientConfiguration.fromKubeconfig(path: sandbox.kubeconfig))
        let started = ContinuousClock.now
        for try await _ in client.watch(configMaps, namespace: "default", resourceVersion: nil, labelSelector: nil, timeoutSeconds: 60) {}
        #expect(ContinuousClock.now - started < .seconds(30), "the watch was cut long before its 60 s timeout")

        let informer = Informer(client: client, type: configMaps, namespace: "default")
        let log = EventLog()
        let task = Task { await informer.run { log.add($0) } }
        for index in 0..<5 {
            _ = try await client.create(configMaps, namespace: "default", .object([("metadata", .object([("name", .string("c\(index)"))]))]))
            try await Task.sleep(for: .milliseconds(700))
        }
        #expect(await log.wait { events in (0..<5).allSatisfy { events.contains("added c\($0)") } }, "\(log.all)")
        task.cancel()
        await task.value
        try await client.shutdown()
        #expect(sandbox.stop() == 0)
    }
}
