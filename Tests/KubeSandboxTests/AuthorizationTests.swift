import CNPGCore
import Foundation
import KubeSandbox
import Testing

private func request(
    _ method: String, _ path: String, query: [String: String] = [:], body: JSONValue? = nil,
    contentType: String = "application/json"
) -> APIRequest {
    APIRequest(method: method, path: path, query: query, contentType: contentType, body: body.map { Array(JSONText.serialize($0).utf8) } ?? [])
}

@Suite struct RBACAuthorizerTests {
    private func rule(_ text: String) throws -> JSONValue { try JSONText.parse(text) }

    @Test func rulesMatchVerbsResourcesSubresourcesAndNames() throws {
        let secrets = try rule(#"{"apiGroups":[""],"resources":["secrets"],"verbs":["get","watch"],"resourceNames":["a-app"]}"#)
        #expect(RBACAuthorizer.matches(secrets, RequestAttributes(verb: "get", resource: "secrets", namespace: "ns", name: "a-app")))
        #expect(!RBACAuthorizer.matches(secrets, RequestAttributes(verb: "get", resource: "secrets", namespace: "ns", name: "b-app")))
        #expect(!RBACAuthorizer.matches(secrets, RequestAttributes(verb: "list", resource: "secrets", namespace: "ns")))
        #expect(
            !RBACAuthorizer.matches(secrets, RequestAttributes(verb: "watch", resource: "secrets", namespace: "ns")), "resourceNames never match collections")
        let status = try rule(#"{"apiGroups":["postgresql.cnpg.io"],"resources":["clusters/status"],"verbs":["patch"]}"#)
        #expect(
            RBACAuthorizer.matches(
                status, RequestAttributes(verb: "patch", group: "postgresql.cnpg.io", resource: "clusters", subresource: "status", name: "a")))
        #expect(!RBACAuthorizer.matches(status, RequestAttributes(verb: "patch", group: "postgresql.cnpg.io", resource: "clusters", name: "a")))
        let wildcard = try rule(#"{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}"#)
        #expect(RBACAuthorizer.matches(wildcard, RequestAttributes(verb: "delete", group: "apps", resource: "deployments", subresource: "scale")))
        let nonResource = try rule(#"{"nonResourceURLs":["/healthz","/metrics*"],"verbs":["get"]}"#)
        #expect(RBACAuthorizer.matches(nonResource, RequestAttributes(verb: "get", path: "/metrics/cadvisor")))
        #expect(!RBACAuthorizer.matches(nonResource, RequestAttributes(verb: "get", path: "/api")))
    }
}

@Suite struct AuthorizationTests {
    /// A cluster's instance manager, with the Role our builder makes, can read its own secrets only.
    @Test func instanceRoleConfinesAServiceAccountToItsClustersSecrets() async throws {
        let api = SandboxAPI(serverAddress: "127.0.0.1:1", adminToken: "admin-token")
        let audit = AuditCollector()
        await api.setAuditSink { audit.add($0) }
        var shop = Cluster(name: "shop", namespace: "default")
        shop.spec.instances = 1
        for object in [
            ObjectCodec.encode(try #require(InstanceRBAC.serviceAccount(for: shop))), ObjectCodec.encode(InstanceRBAC.role(for: shop)),
            ObjectCodec.encode(InstanceRBAC.roleBinding(for: shop)),
        ] {
            let kind = object["kind"]?.stringValue ?? ""
            let path =
                kind == "ServiceAccount"
                ? "/api/v1/namespaces/default/serviceaccounts"
                : "/apis/rbac.authorization.k8s.io/v1/namespaces/default/\(kind.lowercased())s"
            #expect(await api.handle(request("POST", path, body: object)).status == 201, "\(kind)")
        }
        for name in ["shop-app", "billing-app"] {
            let secret: JSONValue = .object([("metadata", .object([("name", .string(name))])), ("data", .object([("password", .string("c2VjcmV0"))]))])
            #expect(await api.handle(request("POST", "/api/v1/namespaces/default/secrets", body: secret)).status == 201)
        }
        guard case .json(201, let tokenRequest) = await api.handle(request("POST", "/api/v1/namespaces/default/serviceaccounts/shop/token", body: .object([]))),
            let token = tokenRequest["status"]?["token"]?.stringValue
        else {
            Issue.record("no token")
            return
        }
        let user = try #require(await api.authenticate("Bearer \(token)"))
        #expect(user.name == "system:serviceaccount:default:shop")
        #expect(await api.authenticate("Bearer wrong") == nil)
        #expect(await api.authenticate("Bearer admin-token") == .admin)

        #expect(await api.handle(request("GET", "/api/v1/namespaces/default/secrets/shop-app"), user: user).status == 200)
        let denied = await api.handle(request("GET", "/api/v1/namespaces/default/secrets/billing-app"), user: user)
        #expect(denied.status == 403)
        if case .json(_, let status) = denied {
            #expect(
                status["message"]
                    == .string(
                        #"secrets "billing-app" is forbidden: User "system:serviceaccount:default:shop" cannot get resource "secrets" in API group "" in the namespace "default""#
                    ))
        }
        #expect(await api.handle(request("GET", "/api/v1/namespaces/default/secrets"), user: user).status == 403)
        #expect(await api.handle(request("DELETE", "/api/v1/namespaces/default/secrets/shop-app"), user: user).status == 403)
        #expect(
            await api.handle(request("POST", "/api/v1/namespaces/default/events", body: .object([("metadata", .object([("name", .string("e"))]))])), user: user)
                .status == 201)
        #expect(await api.handle(request("GET", "/api/v1/namespaces/kube-system/secrets/shop-app"), user: user).status == 403)
        // As kube-apiserver: a watch narrowed to one name by field selector is a request for that name
        // (the Role grants get and watch on its secrets, not list).
        func watch(_ selector: String) -> [String: String] { ["watch": "true", "timeoutSeconds": "1", "fieldSelector": selector] }
        #expect(await api.handle(request("GET", "/api/v1/namespaces/default/secrets", query: watch("metadata.name=shop-app")), user: user).status == 200)
        #expect(await api.handle(request("GET", "/api/v1/namespaces/default/secrets", query: watch("metadata.name=billing-app")), user: user).status == 403)
        #expect(
            await api.handle(
                request("GET", "/api/v1/namespaces/default/secrets", query: watch("metadata.name=shop-app,type=Opaque")),
                user: user
            ).status == 403)
        #expect(
            await api.handle(
                request("GET", "/api/v1/namespaces/default/secrets", query: ["fieldSelector": "metadata.name=shop-app"]),
                user: user
            ).status == 403, "no list verb")

        let entries = audit.entries
        #expect(
            entries.contains {
                $0["code"] == .int(403) && $0["name"] == .string("billing-app") && $0["user"] == .string(user.name) && $0["verb"] == .string("get")
            })
        #expect(entries.allSatisfy { $0["code"] != nil && $0["user"] != nil && $0["verb"] != nil })
    }
}

final class AuditCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [JSONValue] = []
    func add(_ entry: JSONValue) {
        lock.lock()
        stored.append(entry)
        lock.unlock()
    }
    var entries: [JSONValue] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
