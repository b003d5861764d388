import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The Swift client against a running sandbox over real HTTPS.
@Suite(.serialized) struct KubeClientTests {
    let configMaps = ResourceType.configMaps
    let pods = BuiltinResources.all.first { $0.plural == "pods" }!

    private func configMap(_ name: String, labels: [String: String] = [:], finalizers: [String] = [], owner: JSONValue? = nil) -> JSONValue {
        var metadata: [(String, JSONValue)] = [("name", .string(name))]
        if !labels.isEmpty { metadata.append(("labels", .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))) }
        if !finalizers.isEmpty { metadata.append(("finalizers", .array(finalizers.map(JSONValue.string)))) }
        if let owner { metadata.append(("ownerReferences", .array([owner]))) }
        return .object([
            ("apiVersion", .string("v1")), ("kind", .string("ConfigMap")), ("metadata", .object(metadata)), ("data", .object([("a", .string("1"))])),
        ])
    }

    @Test func crudConflictsPatchesStatusAndGarbageCollection() async throws {
        let sandbox = try RunningSandbox()
        let client = try HTTPKubeClient(
            configuration: try KubeClientConfiguration.fromKubeconfig(
                environment: ["KUBECONFIG": "/nonexistent/config:\(sandbox.kubeconfig)"]))
        do {
            let created = try await client.create(configMaps, namespace: "default", configMap("one", labels: ["app": "web"]))
            _ = try await client.create(configMaps, namespace: "default", configMap("two", labels: ["app": "db"]))
            #expect(try await client.get(configMaps, namespace: "default", name: "one")["data"]?["a"] == .string("1"))
            let selected = try await client.list(configMaps, namespace: "default", labelSelector: "app=web", fieldSelector: nil)
            #expect(selected.items.compactMap { $0["metadata"]?["name"]?.stringValue } == ["one"])

            _ = try await client.update(configMaps, namespace: "default", created.setting("data", to: .object([("a", .string("2"))])))
            await #expect(throws: KubeAPIError.self) {
                try await client.update(configMaps, namespace: "default", created.setting("data", to: .object([("a", .string("3"))])))
            }
            do {
                _ = try await client.update(configMaps, namespace: "default", created)
            } catch let error as KubeAPIError {
                #expect(error.isConflict)
            }
            let merged = try await client.patch(configMaps, namespace: "default", name: "one", .object([("data", .object([("b", .string("x"))]))]))
            #expect(merged["data"]?["b"] == .string("x"))
            let jsonPatched = try await client.patch(
                configMaps, namespace: "default", name: "one",
                try JSONText.parse(#"[{"op":"remove","path":"/data/b"}]"#), patchType: .json)
            #expect(jsonPatched["data"]?["b"] == nil)

            let pod = try await client.create(
                pods, namespace: "default", try JSONText.parse(#"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}"#))
            let withStatus = try await client.update(
                pods, namespace: "default", pod.setting("status", to: .object([("phase", .string("Running"))])), subresource: "status")
            #expect(withStatus["status"]?["phase"] == .string("Running"))

            _ = try await client.create(configMaps, namespace: "default", configMap("held", finalizers: ["example.com/hold"]))
            try await client.delete(configMaps, namespace: "default", name: "held", propagation: .background)
            #expect(try await client.get(configMaps, namespace: "default", name: "held")["metadata"]?["deletionTimestamp"] != nil)
            _ = try await client.patch(configMaps, namespace: "default", name: "held", try JSONText.parse(#"{"metadata":{"finalizers":null}}"#))
            do {
                _ = try await client.get(configMaps, namespace: "default", name: "held")
                Issue.record("the object should be gone once its finalizer is removed")
            } catch let error as KubeAPIError {
                #expect(error.isNotFound)
            }

            let parent = try await client.get(configMaps, namespace: "default", name: "two")
            let reference: JSONValue = .object([
                ("apiVersion", .string("v1")), ("kind", .string("ConfigMap")), ("name", .string("two")),
                ("uid", parent["metadata"]?["uid"] ?? .null),
            ])
            _ = try await client.create(configMaps, namespace: "default", configMap("child", owner: reference))
            try await client.delete(configMaps, namespace: "default", name: "two", propagation: .background)
            let remaining = try await client.list(configMaps, namespace: "default").items.compactMap { $0["metadata"]?["name"]?.stringValue }
            #expect(remaining == ["one"])

            let typed = try await client.get(Pod.self, pods, namespace: "default", name: "p")
            #expect(typed.spec?.containers?.first?.image == "i")
        } catch {
            Issue.record("\(error)")
        }
        try await client.shutdown()
        #expect(sandbox.stop() == 0)
    }

    @Test func listsPageAndWatchesResumeRelistAndBookmark() async throws {
        let sandbox = try RunningSandbox(extraArguments: ["--event-history", "50"])
        let client = try HTTPKubeClient(configuration: try KubeClientConfiguration.fromKubeconfig(path: sandbox.kubeconfig))
        do {
            for index in 0..<520 {
                _ = try await client.create(configMaps, namespace: "default", configMap(String(format: "cm-%03d", index)))
            }
            let all = try await client.list(configMaps, namespace: "default")
            #expect(all.items.count == 520, "two pages of 500 are stitched together")

            let start = all.resourceVersion
            _ = try await client.patch(configMaps, namespace: "default", name: "cm-000", .object([("data", .object([("z", .string("1"))]))]))
            var events: [KubeWatchEvent] = []
            for try await event in client.watch(configMaps, namespace: "default", resourceVersion: start, labelSelector: nil, timeoutSeconds: 6) {
                events.append(event)
            }
            #expect(events.first?.kind == .modified)
            #expect(events.first?.object["metadata"]?["name"] == .string("cm-000"))
            #expect(events.contains { $0.kind == .bookmark }, "bookmarks arrive every 5 s when allowed")

            for index in 0..<60 {
                _ = try await client.patch(configMaps, namespace: "default", name: "cm-001", .object([("data", .object([("n", .string(String(index)))]))]))
            }
            do {
                for try await _ in client.watch(configMaps, namespace: "default", resourceVersion: start, labelSelector: nil, timeoutSeconds: 5) {}
                Issue.record("a watch from an expired resourceVersion must fail")
            } catch let error as KubeAPIError {
                #expect(error.isGone, "\(error)")
            }
        } catch {
            Issue.record("\(error)")
        }
        try await client.shutdown()
        #expect(sandbox.stop() == 0)
    }

    @Test func tokenFilesAreReReadAndBadCredentialsGet401() async throws {
        let sandbox = try RunningSandbox()
        let configuration = try KubeClientConfiguration.fromKubeconfig(path: sandbox.kubeconfig)
        guard case .token(let token) = configuration.credentials else {
            Issue.record("the sandbox kubeconfig carries a token")
            return
        }
        let tokenFile = try sandbox.directory.write("token", token)
        var rotating = configuration
        rotating.credentials = .tokenFile(tokenFile)
        let client = try HTTPKubeClient(configuration: rotating)
        do {
            #expect(try await client.list(configMaps, namespace: "default").items.isEmpty)
            try sandbox.directory.write("token", "rotated-but-wrong")
            _ = try await client.list(configMaps, namespace: "default")
            Issue.record("a wrong token must be refused")
        } catch let error as KubeAPIError {
            #expect(error.code == 401)
        }
        try await client.shutdown()
        #expect(sandbox.stop() == 0)
    }
}

@Suite struct KubeClientConfigurationTests {
    @Test func inClusterConfigurationReadsTheServiceAccountFiles() throws {
        let directory = try TemporaryDirectory()
        try directory.write("token", "abc\n")
        try directory.write("ca.crt", "-----BEGIN CERTIFICATE-----\n")
        try directory.write("namespace", "prod\n")
        let configuration = try KubeClientConfiguration.inCluster(
            directory: directory.url.path,
            environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"])
        #expect(configuration.server == "https://10.0.0.1:443")
        #expect(configuration.namespace == "prod")
        #expect(configuration.credentials == .tokenFile(directory.url.path + "/token"))
        #expect(throws: KubeClientConfiguration.ConfigurationError.self) { try KubeClientConfiguration.inCluster(environment: [:]) }
    }

    @Test func kubeconfigContextsAndClientCertificates() throws {
        let directory = try TemporaryDirectory()
        try directory.write("client.crt", "CERT")
        let path = try directory.write(
            "config",
            """
            apiVersion: v1
            kind: Config
            current-context: a
            clusters:
            - name: one
              cluster: {server: "https://127.0.0.1:1", certificate-authority-data: \(Data("CA".utf8).base64EncodedString())}
            - name: two
              cluster: {server: "https://127.0.0.2:2", insecure-skip-tls-verify: true}
            users:
            - name: token-user
              user: {token: t0k3n}
            - name: cert-user
              user: {client-certificate: client.crt, client-key-data: \(Data("KEY".utf8).base64EncodedString())}
            contexts:
            - name: a
              context: {cluster: one, user: token-user}
            - name: b
              context: {cluster: two, user: cert-user, namespace: ops}
            """)
        let a = try KubeClientConfiguration.fromKubeconfig(path: path)
        #expect(a.server == "https://127.0.0.1:1")
        #expect(a.certificateAuthorityPEM == "CA")
        #expect(a.credentials == .token("t0k3n"))
        #expect(a.namespace == "default")
        let b = try KubeClientConfiguration.fromKubeconfig(path: path, context: "b")
        #expect(b.insecureSkipTLSVerify)
        #expect(b.credentials == .clientCertificate(certificatePEM: "CERT", keyPEM: "KEY"))
        #expect(b.namespace == "ops")
        #expect(throws: KubeClientConfiguration.ConfigurationError.self) { try KubeClientConfiguration.fromKubeconfig(path: path, context: "c") }
        #expect(throws: KubeClientConfiguration.ConfigurationError.self) { try KubeClientConfiguration.fromKubeconfig(path: "/nonexistent") }
    }
}
