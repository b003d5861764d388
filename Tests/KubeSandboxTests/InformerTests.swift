import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [String] = []
    func add(_ event: InformerEvent) {
        let text: String
        switch event {
        case .added(let object): text = "added \(object["metadata"]?["name"]?.stringValue ?? "")"
        case .updated(_, let object): text = "updated \(object["metadata"]?["name"]?.stringValue ?? "")"
        case .deleted(let object): text = "deleted \(object["metadata"]?["name"]?.stringValue ?? "")"
        case .resync(let object): text = "resync \(object["metadata"]?["name"]?.stringValue ?? "")"
        }
        lock.lock(); events.append(text); lock.unlock()
    }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return events }

    /// Waits (bounded) until `predicate` holds.
    func wait(seconds: Double = 10, until predicate: ([String]) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if predicate(all) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return predicate(all)
    }
}

@Suite(.serialized) struct InformerTests {
    let configMaps = BuiltinResources.all.first { $0.plural == "configmaps" }!

    @Test func informerFollowsChangesAndRecoversFromExpiredWatches() async throws {
        let sandbox = try RunningSandbox(extraArguments: ["--event-history", "20"])
        let client = try HTTPKubeClient(configuration: try KubeClientConfiguration.fromKubeconfig(path: sandbox.kubeconfig))
        let body: (String) -> JSONValue = { name in .object([("metadata", .object([("name", .string(name))])), ("data", .object([("v", .string("0"))]))]) }
        _ = try await client.create(configMaps, namespace: "default", body("before"))
        let informer = Informer(client: client, type: configMaps, namespace: "default", resyncPeriod: .seconds(3600), watchTimeoutSeconds: 2)
        let log = EventLog()
        let task = Task { await informer.run { log.add($0) } }
        #expect(await log.wait { $0.contains("added before") })
        _ = try await client.create(configMaps, namespace: "default", body("during"))
        _ = try await client.patch(configMaps, namespace: "default", name: "during", .object([("data", .object([("v", .string("1"))]))]))
        try await client.delete(configMaps, namespace: "default", name: "before", propagation: .background)
        #expect(await log.wait { $0.contains("added during") && $0.contains("updated during") && $0.contains("deleted before") }, "\(log.all)")

        // Flood the short history: whether the watch stays connected or reconnects to an expired
        // resourceVersion (410, then relist), the cache converges. Forcing the 410 path waits for fault injection.
        for index in 0..<40 {
            _ = try await client.patch(configMaps, namespace: "default", name: "during", .object([("data", .object([("v", .string(String(index)))]))]))
        }
        _ = try await client.create(configMaps, namespace: "default", body("after"))
        #expect(await log.wait { $0.contains("added after") })
        let cached = await informer.get(namespace: "default", name: "during")
        #expect(cached?["data"]?["v"] == .string("39"))
        #expect(await informer.items().compactMap { $0["metadata"]?["name"]?.stringValue } == ["after", "during"])
        task.cancel()
        await task.value
        try await client.shutdown()
        #expect(sandbox.stop() == 0)
    }
}
