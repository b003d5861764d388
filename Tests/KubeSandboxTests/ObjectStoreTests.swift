import CNPGCore
import Foundation
import KubeSandbox
import Testing

private func json(_ text: String) throws -> JSONValue { try JSONText.parse(text) }

private struct Fixture {
    var store = ObjectStore(logCapacity: 100, clock: { Date(timeIntervalSince1970: 1_800_000_000) })
    func type(_ name: String) -> ResourceType { store.resource(name)! }

    mutating func configMap(_ name: String, labels: String = "{}", owners: String = "[]", finalizers: String = "[]") throws -> JSONValue {
        try store.create(
            type("configmaps"), namespace: "default",
            try json(
                """
                {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\(name)","labels":\(labels),"ownerReferences":\(owners),"finalizers":\(finalizers)},"data":{"a":"1"}}
                """))
    }
}

private func owner(_ object: JSONValue) -> String {
    let uid = object["metadata"]?["uid"]?.stringValue ?? ""
    let name = object["metadata"]?["name"]?.stringValue ?? ""
    return #"[{"apiVersion":"v1","kind":"ConfigMap","name":"\#(name)","uid":"\#(uid)"}]"#
}

@Suite struct ObjectStoreTests {
    @Test func createSetsServerFieldsAndRejectsDuplicates() throws {
        var fixture = Fixture()
        let created = try fixture.configMap("settings")
        #expect(created["metadata"]?["namespace"] == .string("default"))
        #expect(created["metadata"]?["generation"] == .int(1))
        #expect(created["metadata"]?["creationTimestamp"] == .string("2027-01-15T08:00:00Z"))
        #expect(created["metadata"]?["uid"]?.stringValue?.count == 36)
        #expect(throws: StatusError.alreadyExists(fixture.type("configmaps"), "settings")) { try fixture.configMap("settings") }
        let generated = try fixture.store.create(
            fixture.type("configmaps"), namespace: "default",
            try json(#"{"metadata":{"generateName":"job-"}}"#))
        #expect(generated["metadata"]?["name"]?.stringValue?.hasPrefix("job-") == true)
        #expect(generated["kind"] == .string("ConfigMap"))
    }

    @Test func objectsCreatedForAnOwnerThatIsGoneAreCollected() throws {
        var fixture = Fixture()
        let parent = try fixture.configMap("parent")
        _ = try fixture.configMap("kept", owners: owner(parent))
        try fixture.store.delete(fixture.type("configmaps"), namespace: "default", name: "parent")
        #expect(throws: StatusError.self) { try fixture.store.get(fixture.type("configmaps"), namespace: "default", name: "kept") }
        // A controller that read the owner before its deletion creates a dependent afterwards.
        let late = try fixture.configMap("late", owners: owner(parent))
        #expect(late["metadata"]?["uid"] != nil)
        #expect(throws: StatusError.self) { try fixture.store.get(fixture.type("configmaps"), namespace: "default", name: "late") }
        let createdAt = try #require(late["metadata"]?["resourceVersion"]?.stringValue.flatMap { UInt64($0) })
        let events = try fixture.store.events(fixture.type("configmaps"), namespace: "default", after: createdAt - 1).filter {
            $0.object["metadata"]?["name"]?.stringValue == "late"
        }
        #expect(events.map(\.type) == ["ADDED", "DELETED"])
    }

    @Test func badRequestsGetStatusErrors() throws {
        var fixture = Fixture()
        let configMaps = fixture.type("configmaps")
        #expect(throws: StatusError.self) { try fixture.store.create(configMaps, namespace: "default", try json(#"{"metadata":{"name":"Bad_Name"}}"#)) }
        #expect(throws: StatusError.self) { try fixture.store.create(configMaps, namespace: "missing", try json(#"{"metadata":{"name":"a"}}"#)) }
        #expect(throws: StatusError.self) {
            try fixture.store.create(configMaps, namespace: "default", try json(#"{"kind":"Secret","metadata":{"name":"a"}}"#))
        }
        #expect(throws: StatusError.self) {
            try fixture.store.create(configMaps, namespace: "default", try json(#"{"metadata":{"name":"a","namespace":"other"}}"#))
        }
        #expect(throws: StatusError.self) { try fixture.store.create(configMaps, namespace: "default", .array([])) }
        do {
            _ = try fixture.store.get(configMaps, namespace: "default", name: "nope")
        } catch {
            #expect(error.status["code"] == .int(404))
            #expect(error.status["reason"] == .string("NotFound"))
            #expect(error.message == "configmaps \"nope\" not found")
        }
    }

    @Test func staleUpdatesConflictAndNoOpsChangeNothing() throws {
        var fixture = Fixture()
        let created = try fixture.configMap("settings")
        let configMaps = fixture.type("configmaps")
        let changed = created.setting("data", to: try json(#"{"a":"2"}"#))
        let updated = try fixture.store.update(configMaps, namespace: "default", name: "settings", changed)
        #expect(updated["metadata"]?["resourceVersion"] != created["metadata"]?["resourceVersion"])
        #expect(updated["metadata"]?["generation"] == .int(2))
        #expect(throws: StatusError.conflict(configMaps, "settings")) {
            try fixture.store.update(configMaps, namespace: "default", name: "settings", changed.setting("data", to: try json(#"{"a":"3"}"#)))
        }
        let revision = fixture.store.revision
        let same = try fixture.store.update(configMaps, namespace: "default", name: "settings", updated)
        #expect(same == updated)
        #expect(fixture.store.revision == revision)
        // An update without resourceVersion is unconditional (as helm sends them).
        let unconditional = try json(#"{"metadata":{"name":"settings"},"data":{"a":"4"}}"#)
        #expect(try fixture.store.update(configMaps, namespace: "default", name: "settings", unconditional)["data"]?["a"] == .string("4"))
    }

    @Test func statusSubresourceSeparatesSpecFromStatus() throws {
        var fixture = Fixture()
        let pods = fixture.type("pods")
        let pod = try fixture.store.create(
            pods, namespace: "default", try json(#"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Pending"}}"#))
        let withStatus = try fixture.store.update(
            pods, namespace: "default", name: "p", pod.setting("status", to: try json(#"{"phase":"Running"}"#)), subresource: "status")
        #expect(withStatus["status"]?["phase"] == .string("Running"))
        #expect(withStatus["metadata"]?["generation"] == .int(1), "status writes do not bump generation")
        let mainWrite = try fixture.store.update(
            pods, namespace: "default", name: "p",
            withStatus.setting("status", to: try json(#"{"phase":"Failed"}"#))
                .setting("spec", to: try json(#"{"containers":[{"name":"c","image":"x"}]}"#)))
        #expect(mainWrite["status"]?["phase"] == .string("Running"), "main-resource writes keep the stored status")
        #expect(mainWrite["metadata"]?["generation"] == .int(2))
    }

    @Test func patchKinds() throws {
        var fixture = Fixture()
        _ = try fixture.configMap("settings", labels: #"{"tier":"db"}"#)
        let configMaps = fixture.type("configmaps")
        let merged = try fixture.store.patch(
            configMaps, namespace: "default", name: "settings", type: .merge,
            try json(#"{"metadata":{"labels":{"tier":null,"team":"a"}},"data":{"b":"2"}}"#))
        #expect(merged["metadata"]?["labels"] == (try json(#"{"team":"a"}"#)))
        #expect(merged["data"] == (try json(#"{"a":"1","b":"2"}"#)))
        let patched = try fixture.store.patch(
            configMaps, namespace: "default", name: "settings", type: .json,
            try json(#"[{"op":"test","path":"/data/a","value":"1"},{"op":"remove","path":"/data/a"},{"op":"add","path":"/data/c","value":"3"}]"#))
        #expect(patched["data"] == (try json(#"{"b":"2","c":"3"}"#)))
        #expect(throws: StatusError.self) {
            try fixture.store.patch(configMaps, namespace: "default", name: "settings", type: .json, try json(#"[{"op":"test","path":"/data/b","value":"9"}]"#))
        }
        #expect(try fixture.store.get(configMaps, namespace: "default", name: "settings") == patched, "a failed JSON patch changes nothing")
        let stale = try json(#"{"metadata":{"resourceVersion":"1"},"data":{"x":"1"}}"#)
        #expect(throws: StatusError.conflict(configMaps, "settings")) {
            try fixture.store.patch(configMaps, namespace: "default", name: "settings", type: .merge, stale)
        }
    }

    @Test func selectorsAndPagination() throws {
        var fixture = Fixture()
        for (name, tier) in [("a", "db"), ("b", "web"), ("c", "db"), ("d", "cache")] {
            _ = try fixture.configMap(name, labels: #"{"tier":"\#(tier)"}"#)
        }
        let configMaps = fixture.type("configmaps")
        func names(_ result: ObjectStore.ListResult) -> [String] { result.items.compactMap { $0["metadata"]?["name"]?.stringValue } }
        #expect(names(fixture.store.list(configMaps, namespace: "default", labelSelector: try SelectorExpression(parsing: "tier=db"))) == ["a", "c"])
        #expect(
            names(fixture.store.list(configMaps, namespace: "default", labelSelector: try SelectorExpression(parsing: "tier in (web,cache)"))) == ["b", "d"])
        #expect(names(fixture.store.list(configMaps, namespace: nil, labelSelector: try SelectorExpression(parsing: "tier!=db,tier"))) == ["b", "d"])
        #expect(
            names(fixture.store.list(configMaps, namespace: "default", fieldSelector: try SelectorExpression(parsing: "metadata.name=c", fieldSelector: true)))
                == ["c"])
        let page1 = fixture.store.list(configMaps, namespace: "default", limit: 3)
        #expect(names(page1) == ["a", "b", "c"])
        let page2 = fixture.store.list(configMaps, namespace: "default", limit: 3, continueAfter: page1.continueToken)
        #expect(names(page2) == ["d"])
        #expect(page2.continueToken == nil)
        #expect(throws: SelectorExpression.ParseError.self) { try SelectorExpression(parsing: "a in b") }
        #expect(throws: SelectorExpression.ParseError.self) { try SelectorExpression(parsing: "tier", fieldSelector: true) }
    }

    @Test func watchReplaysFromAResourceVersionAndExpiresOldOnes() throws {
        var fixture = Fixture()
        let configMaps = fixture.type("configmaps")
        let start = fixture.store.revision
        let created = try fixture.configMap("a")
        _ = try fixture.store.update(configMaps, namespace: "default", name: "a", created.setting("data", to: try json(#"{"a":"2"}"#)))
        try fixture.store.delete(configMaps, namespace: "default", name: "a")
        let events = try fixture.store.events(configMaps, namespace: "default", after: start)
        #expect(events.map(\.type) == ["ADDED", "MODIFIED", "DELETED"])
        #expect(events.map(\.revision) == events.map(\.revision).sorted())
        for index in 0..<150 { _ = try fixture.configMap("x\(index)") }
        #expect(throws: StatusError.self) { try fixture.store.events(configMaps, namespace: "default", after: start) }
        do { _ = try fixture.store.events(configMaps, namespace: "default", after: start) } catch { #expect(error.code == 410) }
    }

    @Test func finalizersBlockDeletionUntilRemoved() throws {
        var fixture = Fixture()
        let configMaps = fixture.type("configmaps")
        _ = try fixture.configMap("guarded", finalizers: #"["example.com/keep"]"#)
        let marked = try fixture.store.delete(configMaps, namespace: "default", name: "guarded")
        #expect(marked["metadata"]?["deletionTimestamp"] != nil)
        let still = try fixture.store.get(configMaps, namespace: "default", name: "guarded")
        _ = try fixture.store.update(
            configMaps, namespace: "default", name: "guarded",
            still.setting("metadata", to: (still["metadata"] ?? .null).setting("finalizers", to: .array([]))))
        #expect(throws: StatusError.notFound(configMaps, "guarded")) { try fixture.store.get(configMaps, namespace: "default", name: "guarded") }
    }

    @Test func garbageCollectionFollowsOwnerReferences() throws {
        var fixture = Fixture()
        let configMaps = fixture.type("configmaps")
        let parent = try fixture.configMap("parent")
        let child = try fixture.configMap("child", owners: owner(parent))
        _ = try fixture.configMap("grandchild", owners: owner(child))
        let other = try fixture.configMap("other-parent")
        _ = try fixture.configMap("shared", owners: "[\(owner(parent).dropFirst().dropLast()),\(owner(other).dropFirst().dropLast())]")
        try fixture.store.delete(configMaps, namespace: "default", name: "parent")
        let left = fixture.store.list(configMaps, namespace: "default").items.compactMap { $0["metadata"]?["name"]?.stringValue }
        #expect(left == ["other-parent", "shared"], "background deletion collects dependents recursively; shared ones stay")

        let orphanParent = try fixture.configMap("orphan-parent")
        _ = try fixture.configMap("orphan", owners: owner(orphanParent))
        try fixture.store.delete(configMaps, namespace: "default", name: "orphan-parent", propagation: .orphan)
        let orphan = try fixture.store.get(configMaps, namespace: "default", name: "orphan")
        #expect(orphan["metadata"]?["ownerReferences"] == nil)
    }

    @Test func foregroundDeletionWaitsForDependents() throws {
        var fixture = Fixture()
        let configMaps = fixture.type("configmaps")
        let parent = try fixture.configMap("parent")
        _ = try fixture.configMap("blocked-child", owners: owner(parent), finalizers: #"["example.com/hold"]"#)
        let marked = try fixture.store.delete(configMaps, namespace: "default", name: "parent", propagation: .foreground)
        #expect(marked["metadata"]?["finalizers"] == .array([.string("foregroundDeletion")]))
        let child = try fixture.store.get(configMaps, namespace: "default", name: "blocked-child")
        #expect(child["metadata"]?["deletionTimestamp"] != nil)
        _ = try fixture.store.patch(configMaps, namespace: "default", name: "blocked-child", type: .merge, try json(#"{"metadata":{"finalizers":null}}"#))
        #expect(fixture.store.list(configMaps, namespace: "default").items.isEmpty)
    }

    @Test func deletingANamespaceDeletesItsContents() throws {
        var fixture = Fixture()
        let namespaces = fixture.type("namespaces")
        _ = try fixture.store.create(namespaces, namespace: nil, try json(#"{"metadata":{"name":"team"}}"#))
        _ = try fixture.store.create(fixture.type("secrets"), namespace: "team", try json(#"{"metadata":{"name":"s"}}"#))
        _ = try fixture.store.create(fixture.type("configmaps"), namespace: "team", try json(#"{"metadata":{"name":"c","finalizers":["x/y"]}}"#))
        _ = try fixture.store.delete(namespaces, namespace: nil, name: "team")
        #expect(try fixture.store.get(namespaces, namespace: nil, name: "team")["status"]?["phase"] == .string("Terminating"))
        #expect(throws: StatusError.self) { try fixture.store.create(fixture.type("secrets"), namespace: "team", try json(#"{"metadata":{"name":"t"}}"#)) }
        _ = try fixture.store.patch(fixture.type("configmaps"), namespace: "team", name: "c", type: .merge, try json(#"{"metadata":{"finalizers":[]}}"#))
        #expect(throws: StatusError.self) { try fixture.store.get(namespaces, namespace: nil, name: "team") }
    }
}

@Suite struct JSONPatchTests {
    @Test func mergePatchRoundTrip() throws {
        let old = try json(#"{"a":1,"b":{"c":2,"d":3},"e":[1]}"#)
        let new = try json(#"{"a":1,"b":{"c":5},"e":[2],"f":"x"}"#)
        let patch = try #require(JSONPatch.mergePatchBetween(old, new))
        #expect(JSONPatch.mergePatch(old, with: patch) == new)
        #expect(JSONPatch.mergePatchBetween(new, new) == nil)
    }

    @Test func jsonPatchOperations() throws {
        let document = try json(#"{"list":[1,2],"o":{"k":"v"}}"#)
        let result = try JSONPatch.apply(
            try json(
                #"""
                [{"op":"add","path":"/list/-","value":3},{"op":"add","path":"/list/0","value":0},{"op":"move","from":"/o/k","path":"/moved"},
                 {"op":"copy","from":"/moved","path":"/o/copy"},{"op":"replace","path":"/list/1","value":9},{"op":"add","path":"/a~1b","value":true}]
                """#), to: document)
        #expect(result == (try json(#"{"list":[0,9,2,3],"o":{"copy":"v"},"moved":"v","a/b":true}"#)))
        for bad in [
            #"{"op":"add"}"#, #"[{"op":"remove","path":"/missing"}]"#, #"[{"op":"frobnicate","path":"/o"}]"#, #"[{"op":"add","path":"/list/9","value":1}]"#,
        ] {
            #expect(throws: JSONPatch.Failure.self) { try JSONPatch.apply(try json(bad), to: document) }
        }
    }
}
