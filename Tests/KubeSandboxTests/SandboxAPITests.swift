import CNPGCore
import Foundation
import KubeSandbox
import Testing

private func request(_ method: String, _ path: String, query: [String: String] = [:], body: String? = nil, contentType: String? = "application/json")
    -> APIRequest
{
    APIRequest(method: method, path: path, query: query, contentType: contentType, body: Array((body ?? "").utf8))
}

@Suite struct SandboxAPITests {
    @Test func discoveryListsBuiltinsAndCRDs() async throws {
        let api = SandboxAPI(serverAddress: "127.0.0.1:1")
        guard case .json(200, let groups) = await api.handle(request("GET", "/apis")) else {
            Issue.record("no group list")
            return
        }
        guard case .array(let entries)? = groups["groups"] else {
            Issue.record("no groups")
            return
        }
        let groupNames: [String] = entries.compactMap { $0["name"]?.stringValue }
        #expect(groupNames.contains("rbac.authorization.k8s.io"))
        let crds = ManifestValidator.render(CRDGenerator.customResourceDefinitions().prefix(1).map { $0 }, format: "json")
        #expect(await api.handle(request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: crds)).status == 201)
        guard case .json(200, let list) = await api.handle(request("GET", "/apis/postgresql.cnpg.io/v1")) else {
            Issue.record("no CNPG resources")
            return
        }
        #expect(list["resources"].map { "\($0)" }?.contains("clusters") == true)
        guard case .json(200, let crd) = await api.handle(request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/clusters.postgresql.cnpg.io"))
        else { return }
        #expect("\(crd["status"] ?? .null)".contains("Established"))
        #expect(await api.handle(request("GET", "/apis/nope.example.com/v1/things")).status == 404)
    }

    @Test func badRequestsGetStatusObjects() async throws {
        let api = SandboxAPI(serverAddress: "127.0.0.1:1")
        for (method, path, body, code) in [
            ("POST", "/api/v1/namespaces/default/configmaps", "{not json", 400),
            ("POST", "/api/v1/namespaces/default/configmaps", #"{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"a"}}"#, 400),
            ("GET", "/api/v1/namespaces/default/widgets", "", 404),
            ("PUT", "/api/v1/namespaces/default/configmaps", "{}", 405),
            ("GET", "/api/v1/namespaces/default/configmaps", "", 200),
        ] {
            let response = await api.handle(request(method, path, body: body.isEmpty ? nil : body))
            #expect(response.status == code, "\(method) \(path)")
            if code != 200, case .json(_, let status) = response {
                #expect(status["kind"] == .string("Status"))
                #expect(status["code"] == .int(Int64(code)))
            }
        }
        let huge = String(repeating: "x", count: SandboxAPI.maxBodyBytes + 1)
        #expect(await api.handle(request("POST", "/api/v1/namespaces/default/configmaps", body: huge)).status == 413)
        #expect(
            await api.handle(request("POST", "/api/v1/namespaces/default/configmaps", body: "{}", contentType: "application/vnd.kubernetes.protobuf")).status
                == 415)
        #expect(await api.handle(request("PATCH", "/api/v1/namespaces/default/configmaps/a", body: "{}", contentType: "text/plain")).status == 415)
    }

    @Test func watchStreamsLiveChangesAndReplaysFromAVersion() async throws {
        let api = SandboxAPI(serverAddress: "127.0.0.1:1")
        guard case .json(_, let list) = await api.handle(request("GET", "/api/v1/namespaces/default/configmaps")),
            let start = list["metadata"]?["resourceVersion"]?.stringValue
        else {
            Issue.record("no list")
            return
        }
        guard
            case .watch(let stream) = await api.handle(
                request(
                    "GET", "/api/v1/namespaces/default/configmaps",
                    query: ["watch": "true", "resourceVersion": start, "labelSelector": "app=web"]))
        else {
            Issue.record("no watch")
            return
        }
        _ = await api.handle(request("POST", "/api/v1/namespaces/default/configmaps", body: #"{"metadata":{"name":"other"}}"#))
        _ = await api.handle(request("POST", "/api/v1/namespaces/default/configmaps", body: #"{"metadata":{"name":"web","labels":{"app":"web"}}}"#))
        _ = await api.handle(
            request("PATCH", "/api/v1/namespaces/default/configmaps/web", body: #"{"data":{"a":"1"}}"#, contentType: "application/merge-patch+json"))
        _ = await api.handle(request("DELETE", "/api/v1/namespaces/default/configmaps/web"))
        var received: [String] = []
        for await event in stream {
            received.append("\(event["type"]?.stringValue ?? "") \(event["object"]?["metadata"]?["name"]?.stringValue ?? "")")
            if received.count == 3 { break }
        }
        #expect(received == ["ADDED web", "MODIFIED web", "DELETED web"])

        guard
            case .watch(let replay) = await api.handle(
                request(
                    "GET", "/api/v1/namespaces/default/configmaps",
                    query: ["watch": "true", "resourceVersion": start, "timeoutSeconds": "1"]))
        else { return }
        var replayed: [String] = []
        for await event in replay { replayed.append(event["type"]?.stringValue ?? "") }
        #expect(replayed == ["ADDED", "ADDED", "MODIFIED", "DELETED"], "the stream ends at timeoutSeconds")
    }

    @Test func expiredWatchesEndWithAnError() async throws {
        let api = SandboxAPI(serverAddress: "127.0.0.1:1", store: ObjectStore(logCapacity: 5))
        for index in 0..<10 {
            _ = await api.handle(request("POST", "/api/v1/namespaces/default/configmaps", body: #"{"metadata":{"name":"c\#(index)"}}"#))
        }
        guard
            case .watch(let stream) = await api.handle(
                request(
                    "GET", "/api/v1/namespaces/default/configmaps",
                    query: ["watch": "true", "resourceVersion": "2"]))
        else { return }
        var events: [JSONValue] = []
        for await event in stream { events.append(event) }
        #expect(events.count == 1)
        #expect(events.first?["type"] == .string("ERROR"))
        #expect(events.first?["object"]?["code"] == .int(410))
    }
}
