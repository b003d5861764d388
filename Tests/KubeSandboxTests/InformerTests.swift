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
        lock.lock()
        events.append(text)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return events
    }

    /// Waits (bounded) until `predicate` holds.
    func wait(seconds: Double = 60, until predicate: ([String]) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if predicate(all) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return predicate(all)
    }
}

@Suite(.serialized) struct InformerTests {
    let configMaps = ResourceType.configMaps

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

/// Reads served from informers' caches, the rest from the API server (counted in the audit log).
@Suite(.serialized) struct InformerBackedClientTests {
    let configMaps = ResourceType.configMaps

    @Test func cachedReadsSkipTheAPIServerAndEverythingElseReachesIt() async throws {
        let sandbox = try RunningSandbox()
        let client = try HTTPKubeClient(configuration: try KubeClientConfiguration.fromKubeconfig(path: sandbox.kubeconfig))
        let body: (String, String?) -> JSONValue = { name, cluster in
            let labels: JSONValue = cluster.map { .object([("cnpg.io/cluster", .string($0))]) } ?? .object([])
            return .object([("metadata", .object([("name", .string(name)), ("labels", labels)])), ("data", .object([("v", .string(name))]))])
        }
        for (name, cluster) in [("a-1", "a"), ("a-2", "a"), ("b-1", "b")] { _ = try await client.create(configMaps, namespace: "default", body(name, cluster)) }
        _ = try await client.create(configMaps, namespace: "default", body("unlabelled", nil))
        let informer = Informer(client: client, type: configMaps, namespace: "default", labelSelector: "cnpg.io/cluster")
        let task = Task { await informer.run { _ in } }
        defer { task.cancel() }
        let cached = InformerBackedKubeClient(base: client, informers: [informer])
        #expect(await Eventually.check(within: 60) { await informer.hasSynced })

        let audit = sandbox.stateDirectory.appendingPathComponent("audit.jsonl").path
        let requests = {
            (try? String(contentsOfFile: audit, encoding: .utf8))?.split(separator: "\n").filter {
                $0.contains("\"resource\":\"configmaps\"") && ($0.contains("\"verb\":\"get\"") || $0.contains("\"verb\":\"list\""))
            }.count ?? 0
        }
        let before = requests()
        #expect(try await cached.get(configMaps, namespace: "default", name: "a-1")["data"]?["v"] == .string("a-1"))
        let clusterA = try await cached.list(configMaps, namespace: "default", labelSelector: "cnpg.io/cluster=a", fieldSelector: nil)
        #expect(clusterA.items.compactMap { $0["metadata"]?["name"]?.stringValue } == ["a-1", "a-2"])
        #expect(requests() == before, "served from the cache")

        // Outside the cache: an object without the label, another namespace, an unlabelled list, a field selector.
        #expect(try await cached.get(configMaps, namespace: "default", name: "unlabelled")["data"]?["v"] == .string("unlabelled"))
        await #expect(throws: KubeAPIError.self) { _ = try await cached.get(configMaps, namespace: "kube-system", name: "a-1") }
        #expect(try await cached.list(configMaps, namespace: "default", labelSelector: nil, fieldSelector: nil).items.count >= 4)
        _ = try await cached.list(configMaps, namespace: "default", labelSelector: "cnpg.io/cluster=a", fieldSelector: "metadata.name=a-1")
        #expect(requests() == before + 4, "each went to the API server")

        // Writes go to the API server; the watch brings them into the cache.
        _ = try await cached.patch(configMaps, namespace: "default", name: "a-2", .object([("data", .object([("v", .string("changed"))]))]))
        #expect(
            await Eventually.check(within: 60) { (try? await cached.get(configMaps, namespace: "default", name: "a-2"))?["data"]?["v"] == .string("changed") })
        try await client.shutdown()
    }

    @Test("a list without a label selector is served by an informer that has none (the operator's Poolers), never by a selective one")
    func unselectiveListsFromAnUnselectiveInformer() async throws {
        let sandbox = try RunningSandbox()
        let client = try HTTPKubeClient(configuration: try KubeClientConfiguration.fromKubeconfig(path: sandbox.kubeconfig))
        for name in ["p-1", "p-2"] {
            _ = try await client.create(configMaps, namespace: "default", .object([("metadata", .object([("name", .string(name))]))]))
        }
        let informer = Informer(client: client, type: configMaps, namespace: "default")
        let task = Task { await informer.run { _ in } }
        defer { task.cancel() }
        let cached = InformerBackedKubeClient(base: client, informers: [informer])
        #expect(await Eventually.check(within: 60) { await informer.hasSynced })
        let audit = sandbox.stateDirectory.appendingPathComponent("audit.jsonl").path
        let lists = {
            (try? String(contentsOfFile: audit, encoding: .utf8))?.split(separator: "\n").filter {
                $0.contains("\"resource\":\"configmaps\"") && $0.contains("\"verb\":\"list\"")
            }.count ?? 0
        }
        let before = lists()
        let all = try await cached.list(configMaps, namespace: "default", labelSelector: nil, fieldSelector: nil)
        let names = Set(all.items.compactMap { $0["metadata"]?["name"]?.stringValue })
        #expect(names.isSuperset(of: ["p-1", "p-2"]), "\(names)")
        #expect(lists() == before, "served from the cache")
        _ = try await cached.list(configMaps, namespace: "kube-system", labelSelector: nil, fieldSelector: nil)
        #expect(lists() == before + 1, "another namespace goes to the API server")
        #expect(InformerBackedKubeClient.selector(SelectorExpression(), implies: nil))
        #expect(!InformerBackedKubeClient.selector(SelectorExpression(), implies: "cnpg.io/cluster"))
        try await client.shutdown()
        #expect(sandbox.stop() == 0)
    }

    @Test func aSelectorIsServedOnlyWhenTheInformersHoldsEverythingItSelects() throws {
        let byCluster = try SelectorExpression(parsing: "cnpg.io/cluster=a")
        #expect(InformerBackedKubeClient.selector(byCluster, implies: "cnpg.io/cluster"))
        #expect(InformerBackedKubeClient.selector(byCluster, implies: nil))
        #expect(!InformerBackedKubeClient.selector(try SelectorExpression(parsing: "app=x"), implies: "cnpg.io/cluster"))
        #expect(!InformerBackedKubeClient.selector(try SelectorExpression(parsing: "!cnpg.io/cluster"), implies: "cnpg.io/cluster"))
        #expect(InformerBackedKubeClient.selector(try SelectorExpression(parsing: "cnpg.io/cluster=a,role=x"), implies: "cnpg.io/cluster=a"))
        #expect(!InformerBackedKubeClient.selector(byCluster, implies: "cnpg.io/cluster=b"))
    }
}
