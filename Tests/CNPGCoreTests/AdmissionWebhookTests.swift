import CNPGCore
import Foundation
import Testing

@Suite("Admission webhook endpoints (AdmissionReview v1)")
struct AdmissionWebhookTests {
    static func reviewRequest(_ object: JSONValue, old: JSONValue? = nil, uid: String = "0d9c3a6e-1111-4c3e-9f64-2b0f0e3c5a71") -> JSONValue {
        .object([
            ("apiVersion", .string("admission.k8s.io/v1")), ("kind", .string("AdmissionReview")),
            (
                "request",
                .object([
                    ("uid", .string(uid)), ("operation", .string(old == nil ? "CREATE" : "UPDATE")),
                    ("name", object["metadata"]?["name"] ?? .null), ("namespace", .string("default")),
                    ("object", object), ("oldObject", old ?? .null),
                ])
            ),
        ])
    }

    static let mutateCluster = AdmissionWebhook.Endpoint(action: .mutate, resource: "cluster")
    static let validateCluster = AdmissionWebhook.Endpoint(action: .validate, resource: "cluster")

    @Test func everyConfiguredPathHasAnEndpoint() throws {
        #expect(AdmissionWebhook.paths.count == 9)
        #expect(AdmissionWebhook.endpoint(forPath: "/mutate-postgresql-cnpg-io-v1-cluster") == Self.mutateCluster)
        #expect(
            AdmissionWebhook.endpoint(forPath: "/validate-postgresql-cnpg-io-v1-scheduledbackup")
                == AdmissionWebhook.Endpoint(action: .validate, resource: "scheduledbackup"))
        #expect(AdmissionWebhook.endpoint(forPath: "/mutate-postgresql-cnpg-io-v1-pooler") == nil, "Pooler has no mutating webhook")
        #expect(AdmissionWebhook.endpoint(forPath: "/validate") == nil)
        for configuration in WebhookConfigurationBuilder.configurations(namespace: "cnpg-system", caBundlePEM: nil) {
            for webhook in configuration.webhooks ?? [] {
                #expect(AdmissionWebhook.endpoint(forPath: webhook.clientConfig.service?.path ?? "") != nil, "\(webhook.name)")
            }
        }
    }

    @Test func mutatingAnswerIsAJSONPatchOfTheDefaultsOverSpecOnly() throws {
        var cluster = try clusterDocument("instances: 3\nstorage:\n  size: 1Gi")
        let metadata = (cluster["metadata"] ?? .null).setting("uid", to: .string("abc")).setting("managedFields", to: .array([]))
        cluster = cluster.setting("metadata", to: metadata)
        let answer = try AdmissionWebhook.respond(to: Self.reviewRequest(cluster), at: Self.mutateCluster)
        let response = try #require(answer["response"])
        #expect(response["uid"] == .string("0d9c3a6e-1111-4c3e-9f64-2b0f0e3c5a71"))
        #expect(response["allowed"] == .bool(true))
        #expect(response["patchType"] == .string("JSONPatch"))
        let patchBytes = try #require(response["patch"]?.stringValue.flatMap { Data(base64Encoded: $0) })
        let patch = try JSONText.parse(Array(patchBytes))
        guard case .array(let operations) = patch else {
            Issue.record("patch is not an array")
            return
        }
        #expect(!operations.isEmpty)
        #expect(operations.allSatisfy { $0["path"]?.stringValue?.hasPrefix("/spec/") == true })
        let mutated = try JSONPatch.apply(patch, to: cluster)
        #expect(mutated["metadata"] == metadata)
        #expect(mutated["spec"]?["imageName"] == .string(CNPG.defaultImageName))
        #expect(mutated["spec"]?["bootstrap"]?["initdb"]?["database"] == .string("app"))
        #expect(mutated["spec"]?["bootstrap"]?["initdb"]?["owner"] == .string("app"))
        // Defaulting is idempotent: the defaulted object needs no patch.
        let again = try AdmissionWebhook.respond(to: Self.reviewRequest(mutated), at: Self.mutateCluster)
        #expect(again["response"]?["patch"] == nil)
    }

    @Test func validatingAnswerDeniesWithFieldCauses() throws {
        let cluster = try clusterDocument(
            "instances: 2\nimageName: ghcr.io/cloudnative-pg/postgresql:latest\nmaxSyncReplicas: 3\nstorage:\n  size: 1Gi",
            name: "bad")
        let answer = try AdmissionWebhook.respond(to: Self.reviewRequest(cluster), at: Self.validateCluster)
        let response = try #require(answer["response"])
        #expect(response["allowed"] == .bool(false))
        #expect(response["status"]?["code"] == .int(422))
        #expect(response["status"]?["reason"] == .string("Invalid"))
        let message = try #require(response["status"]?["message"]?.stringValue)
        #expect(message.hasPrefix("Cluster.postgresql.cnpg.io \"bad\" is invalid: [spec.imageName: Invalid value: "))
        let causes = response["status"]?["details"]?["causes"]
        guard case .array(let list)? = causes else {
            Issue.record("no causes")
            return
        }
        #expect(list.compactMap { $0["field"]?.stringValue } == ["spec.imageName", "spec.maxSyncReplicas"])
        #expect(list.allSatisfy { $0["reason"] == .string("FieldValueInvalid") })
        #expect(response["status"]?["details"]?["kind"] == .string("Cluster"))
    }

    @Test func validationBypassAllowsWithAWarning() throws {
        let cluster = try clusterDocument(
            "instances: 2\nimageName: ghcr.io/cloudnative-pg/postgresql:latest\nstorage:\n  size: 1Gi",
            annotations: ["cnpg.io/validation": "disabled"])
        let response = try #require(try AdmissionWebhook.respond(to: Self.reviewRequest(cluster), at: Self.validateCluster)["response"])
        #expect(response["allowed"] == .bool(true))
        #expect(response["warnings"] == .array([.string("validation is disabled by the cnpg.io/validation annotation")]))
    }

    @Test func updateRulesUseTheOldObject() throws {
        let old = try clusterDocument("instances: 3\nstorage:\n  size: 2Gi")
        let shrunk = try clusterDocument("instances: 3\nstorage:\n  size: 1Gi")
        let response = try #require(try AdmissionWebhook.respond(to: Self.reviewRequest(shrunk, old: old), at: Self.validateCluster)["response"])
        #expect(response["allowed"] == .bool(false))
        #expect(response["status"]?["message"]?.stringValue?.contains("spec.storage.size") == true)
        let grown = try #require(try AdmissionWebhook.respond(to: Self.reviewRequest(old, old: shrunk), at: Self.validateCluster)["response"])
        #expect(grown["allowed"] == .bool(true))
    }

    @Test func otherKindsAndMalformedReviews() throws {
        let pooler: JSONValue = .object([
            ("apiVersion", .string("postgresql.cnpg.io/v1")), ("kind", .string("Pooler")),
            ("metadata", .object([("name", .string("p"))])),
        ])
        let response = try #require(try AdmissionWebhook.respond(to: Self.reviewRequest(pooler), at: Self.validateCluster)["response"])
        #expect(response["allowed"] == .bool(true), "the cluster endpoint leaves other kinds alone")
        #expect(throws: AdmissionWebhook.ReviewError.self) {
            try AdmissionWebhook.respond(to: .object([("kind", .string("AdmissionReview"))]), at: Self.validateCluster)
        }
        let noUID: JSONValue = .object([
            ("apiVersion", .string("admission.k8s.io/v1")), ("kind", .string("AdmissionReview")),
            ("request", .object([("operation", .string("CREATE"))])),
        ])
        #expect(throws: AdmissionWebhook.ReviewError.self) { try AdmissionWebhook.respond(to: noUID, at: Self.validateCluster) }
    }

    @Test func jsonPatchDiffTurnsOneDocumentIntoTheOther() throws {
        let pairs: [(JSONValue, JSONValue)] = [
            (
                try JSONText.parse(#"{"a":1,"b":{"c":[1,2],"d":"x"},"e/f":{"~g":true}}"#),
                try JSONText.parse(#"{"a":2,"b":{"c":[1,2,3]},"e/f":{"~g":false,"h":null},"new":{"deep":[{}]}}"#)
            ),
            (try JSONText.parse(#"{"a":{}}"#), try JSONText.parse(#"{"a":"scalar"}"#)),
            (try JSONText.parse(#"{"same":[1,{"x":1}]}"#), try JSONText.parse(#"{"same":[1,{"x":1}]}"#)),
        ]
        for (old, new) in pairs {
            let operations = JSONPatch.operations(from: old, to: new)
            #expect(try JSONPatch.apply(.array(operations), to: old) == new)
            if old == new { #expect(operations.isEmpty) }
        }
    }

    @Test func caBundleInjectionWritesOnlyWhenItChanges() throws {
        let configuration = ObjectCodec.encode(WebhookConfigurationBuilder.configurations(namespace: "cnpg-system", caBundlePEM: nil)[1])
        let injected = try #require(WebhookConfigurationBuilder.injectingCABundle(configuration, pem: "PEM"))
        guard case .array(let webhooks)? = injected["webhooks"] else {
            Issue.record("no webhooks")
            return
        }
        #expect(webhooks.count == 5)
        #expect(webhooks.allSatisfy { $0["clientConfig"]?["caBundle"] == .string(Data("PEM".utf8).base64EncodedString()) })
        #expect(webhooks.allSatisfy { $0["clientConfig"]?["service"]?["name"] == .string("cnpg-webhook-service") })
        #expect(WebhookConfigurationBuilder.injectingCABundle(injected, pem: "PEM") == nil)
        #expect(WebhookConfigurationBuilder.injectingCABundle(injected, pem: "OTHER") != nil)
    }
}

@Suite struct ApplyPatchTests {
    @Test func namedListItemsKeepFieldsOthersSet() throws {
        let stored = try JSONText.parse(
            #"{"metadata":{"name":"c","labels":{"a":"1"}},"webhooks":[{"name":"m","clientConfig":{"caBundle":"CA","service":{"path":"/old"}}},{"name":"gone"}]}"#
        )
        let applied = try JSONText.parse(#"{"metadata":{"name":"c"},"webhooks":[{"name":"new"},{"name":"m","clientConfig":{"service":{"path":"/new"}}}]}"#)
        let result = JSONPatch.applyPatch(stored, with: applied)
        #expect(
            result
                == (try JSONText.parse(
                    #"{"metadata":{"name":"c","labels":{"a":"1"}},"webhooks":[{"name":"new"},{"name":"m","clientConfig":{"caBundle":"CA","service":{"path":"/new"}}}]}"#
                )))
        let scalars = JSONPatch.applyPatch(try JSONText.parse(#"{"args":["a","b"],"x":1}"#), with: try JSONText.parse(#"{"args":["c"],"x":null}"#))
        #expect(scalars == (try JSONText.parse(#"{"args":["c"]}"#)), "other lists are replaced, null removes")
    }
}
