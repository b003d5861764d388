import CNPGCore
import Foundation
import Testing

@testable import KubeSandbox

/// How the sandbox picks webhooks and reads their answers, as kube-apiserver does (§12.7 of kube-api.md).
@Suite struct AdmissionWebhookDispatchTests {
    static func attributes(
        _ operation: String = "CREATE", resource: ResourceType = .clusters, subresource: String? = nil,
        labels: [String: String] = [:]
    ) -> AdmissionAttributes {
        let object: JSONValue = .object([
            (
                "metadata",
                .object([
                    ("name", .string("pg")),
                    ("labels", .object(labels.map { ($0.key, JSONValue.string($0.value)) })),
                ])
            )
        ])
        return AdmissionAttributes(
            operation: operation, resource: resource, subresource: subresource, namespace: "default", name: "pg",
            object: object, oldObject: nil, dryRun: false, user: .admin)
    }

    static func configuration(_ name: String, _ webhooks: [String]) throws -> JSONValue {
        try JSONText.parse(#"{"metadata":{"name":"\#(name)"},"webhooks":[\#(webhooks.joined(separator: ","))]}"#)
    }

    static func webhook(_ name: String, rule: String, extra: String = "") -> String {
        #"{"name":"\#(name)","rules":[\#(rule)],"sideEffects":"None","admissionReviewVersions":["v1"]\#(extra)}"#
    }

    static let clustersRule = #"{"operations":["CREATE","UPDATE"],"apiGroups":["postgresql.cnpg.io"],"apiVersions":["v1"],"resources":["clusters"]}"#

    @Test func rulesMatchOperationGroupVersionResourceAndSubresource() {
        func matches(_ rule: String, _ attributes: AdmissionAttributes) -> Bool {
            WebhookMatcher.ruleMatches((try? JSONText.parse(rule)) ?? .null, attributes)
        }
        #expect(matches(Self.clustersRule, Self.attributes()))
        #expect(!matches(Self.clustersRule, Self.attributes("DELETE")))
        #expect(!matches(Self.clustersRule, Self.attributes(subresource: "status")), "clusters does not cover clusters/status")
        #expect(!matches(Self.clustersRule, Self.attributes(resource: .poolers)))
        let wildcard = #"{"operations":["*"],"apiGroups":["*"],"apiVersions":["*"],"resources":["*"]}"#
        #expect(matches(wildcard, Self.attributes("UPDATE", resource: .secrets)))
        #expect(!matches(wildcard, Self.attributes(subresource: "status")), "* covers no subresource")
        let statusOnly = #"{"operations":["UPDATE"],"apiGroups":["*"],"apiVersions":["*"],"resources":["*/status"]}"#
        #expect(matches(statusOnly, Self.attributes("UPDATE", subresource: "status")))
        #expect(!matches(statusOnly, Self.attributes("UPDATE")))
        let clusterScoped = #"{"operations":["*"],"apiGroups":["*"],"apiVersions":["*"],"resources":["*"],"scope":"Cluster"}"#
        #expect(!matches(clusterScoped, Self.attributes()))
        #expect(matches(clusterScoped, Self.attributes(resource: .namespaces)))
    }

    @Test func configurationsRunInNameOrderAndSelectorsFilter() throws {
        let mutating = [
            try Self.configuration("b-config", [Self.webhook("b.example.com", rule: Self.clustersRule)]),
            try Self.configuration(
                "a-config",
                [
                    Self.webhook("a2.example.com", rule: Self.clustersRule),
                    Self.webhook("a1.example.com", rule: Self.clustersRule),
                ]),
        ]
        let validating = [
            try Self.configuration(
                "v",
                [
                    Self.webhook("labelled.example.com", rule: Self.clustersRule, extra: #","objectSelector":{"matchLabels":{"team":"db"}}"#),
                    Self.webhook(
                        "prod-ns.example.com", rule: Self.clustersRule,
                        extra: #","namespaceSelector":{"matchExpressions":[{"key":"env","operator":"In","values":["prod"]}]}"#),
                ])
        ]
        let picked = WebhookMatcher.matching(Self.attributes(), mutating: mutating, validating: validating, namespaceLabels: ["env": "dev"])
        #expect(picked.map(\.name) == ["a2.example.com", "a1.example.com", "b.example.com"])
        #expect(picked.allSatisfy { $0.mutating })
        let labelled = WebhookMatcher.matching(Self.attributes(labels: ["team": "db"]), mutating: [], validating: validating, namespaceLabels: ["env": "prod"])
        #expect(labelled.map(\.name) == ["labelled.example.com", "prod-ns.example.com"])
        #expect(labelled.allSatisfy { !$0.mutating })
        let configurationWrite = Self.attributes(resource: BuiltinResources.all.first { $0.plural == "validatingwebhookconfigurations" }!)
        let everything = try Self.configuration(
            "all", [Self.webhook("all.example.com", rule: #"{"operations":["*"],"apiGroups":["*"],"apiVersions":["*"],"resources":["*"]}"#)])
        #expect(
            WebhookMatcher.matching(configurationWrite, mutating: [everything], validating: [], namespaceLabels: nil).isEmpty,
            "webhook configurations are never sent to webhooks")
    }

    @Test func answersAreReadAsTheAPIServerReadsThem() throws {
        let validating = MatchedWebhook(name: "vcluster.cnpg.io", mutating: false, webhook: .object([]))
        let mutating = MatchedWebhook(name: "mcluster.cnpg.io", mutating: true, webhook: .object([]))
        let object = try JSONText.parse(#"{"spec":{"instances":1}}"#)
        func reply(_ response: String) throws -> JSONValue {
            try JSONText.parse(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":\#(response)}"#)
        }
        let patch = Data(#"[{"op":"add","path":"/spec/imageName","value":"pg:16"}]"#.utf8).base64EncodedString()
        let patched = try AdmissionReviewExchange.outcome(
            of: reply(#"{"uid":"u","allowed":true,"patchType":"JSONPatch","patch":"\#(patch)","warnings":["w"]}"#),
            from: mutating, uid: "u", object: object)
        #expect(patched.object["spec"]?["imageName"] == .string("pg:16"))
        #expect(patched.warnings == ["w"])
        #expect(throws: AdmissionReviewExchange.MalformedReply.self, "a validating webhook may not patch") {
            try AdmissionReviewExchange.outcome(
                of: reply(#"{"uid":"u","allowed":true,"patchType":"JSONPatch","patch":"\#(patch)"}"#),
                from: validating, uid: "u", object: object)
        }
        #expect(throws: AdmissionReviewExchange.MalformedReply.self, "the uid must echo the request's") {
            try AdmissionReviewExchange.outcome(of: reply(#"{"uid":"other","allowed":true}"#), from: validating, uid: "u", object: object)
        }
        func denial(_ status: String) -> StatusError? {
            do {
                _ = try AdmissionReviewExchange.outcome(of: reply(#"{"uid":"u","allowed":false\#(status)}"#), from: validating, uid: "u", object: object)
                return nil
            } catch { return error as? StatusError }
        }
        let invalid = denial(#","status":{"code":422,"reason":"Invalid","message":"Cluster.postgresql.cnpg.io \"pg\" is invalid: x","details":{"causes":[]}}"#)
        #expect(invalid?.code == 422)
        #expect(invalid?.message == #"admission webhook "vcluster.cnpg.io" denied the request: Cluster.postgresql.cnpg.io "pg" is invalid: x"#)
        #expect(invalid?.details != nil)
        let lowCode = denial(#","status":{"code":200,"reason":"Nope"}"#)
        #expect(lowCode?.code == 400, "codes below 400 are raised to 400")
        #expect(lowCode?.message == #"admission webhook "vcluster.cnpg.io" denied the request: Nope"#)
        #expect(denial("")?.message == #"admission webhook "vcluster.cnpg.io" denied the request without explanation"#)
    }

    @Test func unreachableWebhooksFollowTheFailurePolicyAndDryRunRules() async throws {
        let api = SandboxAPI(serverAddress: "127.0.0.1:1")
        func post(_ path: String, _ body: String, query: [String: String] = [:]) async -> APIResponse {
            await api.handle(APIRequest(method: "POST", path: path, query: query, contentType: "application/json", body: Array(body.utf8)))
        }
        let configMapsRule = #"{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["configmaps"]}"#
        let service = #","clientConfig":{"service":{"namespace":"default","name":"nowhere","path":"/check"}}"#
        let ignore = Self.webhook("ignore.example.com", rule: configMapsRule, extra: service + #","failurePolicy":"Ignore""#)
        let configuration =
            #"{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration","metadata":{"name":"soft"},"webhooks":[\#(ignore)]}"#
        #expect(await post("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", configuration).status == 201)
        #expect(await post("/api/v1/namespaces/default/configmaps", #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}"#).status == 201)

        let fail = Self.webhook("fail.example.com", rule: configMapsRule, extra: service + #","failurePolicy":"Fail""#)
        let strict =
            #"{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration","metadata":{"name":"strict"},"webhooks":[\#(fail)]}"#
        #expect(await post("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", strict).status == 201)
        guard
            case .json(500, let status) = await post(
                "/api/v1/namespaces/default/configmaps", #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}"#)
        else {
            Issue.record("an unreachable Fail webhook must refuse the write")
            return
        }
        #expect(
            status["message"]?.stringValue
                == #"Internal error occurred: failed calling webhook "fail.example.com": failed to call webhook: Post "https://nowhere.default.svc:443/check?timeout=10s": service "nowhere" not found"#
        )

        let unknown = Self.webhook("side.example.com", rule: configMapsRule, extra: service).replacingOccurrences(
            of: #""sideEffects":"None""#, with: #""sideEffects":"Unknown""#)
        let sideEffects =
            #"{"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration","metadata":{"name":"effects"},"webhooks":[\#(unknown)]}"#
        #expect(await post("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", sideEffects).status == 201)
        guard
            case .json(400, let dryRun) = await post(
                "/api/v1/namespaces/default/configmaps", #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#,
                query: ["dryRun": "All"])
        else {
            Issue.record("dry run must be refused by a webhook with side effects")
            return
        }
        #expect(dryRun["message"]?.stringValue == #"admission webhook "side.example.com" does not support dry run"#)
    }
}
