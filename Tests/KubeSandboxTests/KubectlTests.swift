import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

@Suite(.serialized) struct KubectlTests {
    @Test func kubectlManagesCoreObjectsAndCustomResources() throws {
        let sandbox = try RunningSandbox()
        #expect(try sandbox.kubectl(["version"]).output.contains("Server Version: v1.32.0"))
        let namespaces = try sandbox.kubectl(["get", "namespaces", "-o", "name"])
        #expect(namespaces.output.contains("namespace/default"), "\(namespaces.error)")

        let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  a: \"1\"\n"
        #expect(try sandbox.kubectl(["apply", "-f", "-"], stdin: configMap).output == "configmap/demo created\n")
        #expect(try sandbox.kubectl(["apply", "-f", "-"], stdin: configMap).output == "configmap/demo unchanged\n")
        #expect(
            try sandbox.kubectl(["apply", "-f", "-"], stdin: configMap.replacingOccurrences(of: "\"1\"", with: "\"2\"")).output == "configmap/demo configured\n"
        )
        #expect(try sandbox.kubectl(["label", "configmap", "demo", "tier=db"]).status == 0)
        #expect(try sandbox.kubectl(["get", "configmaps", "-l", "tier=db", "-o", "name"]).output == "configmap/demo\n")
        #expect(try sandbox.kubectl(["patch", "configmap", "demo", "--type=json", "-p", #"[{"op":"add","path":"/data/b","value":"3"}]"#]).status == 0)
        #expect(try sandbox.kubectl(["get", "configmap", "demo", "-o", "jsonpath={.data.a}{.data.b}"]).output == "23")
        let missing = try sandbox.kubectl(["get", "configmap", "nope"])
        #expect(missing.status == 1)
        #expect(missing.error.contains(#"Error from server (NotFound): configmaps "nope" not found"#))

        let crds = try String(contentsOf: BuiltProducts.repositoryRoot.appendingPathComponent("manifests/crds.yaml"), encoding: .utf8)
        #expect(try sandbox.kubectl(["apply", "-f", "-"], stdin: crds).status == 0)
        let sample = BuiltProducts.samples.appendingPathComponent("cluster-example.yaml").path
        let applied = try sandbox.kubectl(["apply", "-f", sample])
        #expect(applied.output == "cluster.postgresql.cnpg.io/cluster-example created\n", "\(applied.error)")
        let defaults = try sandbox.kubectl(["get", "cluster", "cluster-example", "-o", "jsonpath={.spec.primaryUpdateStrategy} {.spec.enablePDB}"])
        #expect(defaults.output == "unsupervised true", "CRD schema defaults are applied by the API server")
        let printed = try sandbox.kubectl(["get", "clusters"]).output.split(separator: "\n").first.map(String.init) ?? ""
        #expect(
            printed.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "AGE", "INSTANCES", "READY", "STATUS", "PRIMARY"],
            "kubectl prints the CRD's printer columns from the server's Table")
        let invalid = try sandbox.kubectl(
            ["apply", "-f", "-"], stdin: "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: bad\nspec:\n  instances: 0\n")
        #expect(invalid.status == 1)
        #expect(invalid.error.contains("spec.instances: Invalid value: 0: should be greater than or equal to 1"), "\(invalid.error)")

        #expect(try sandbox.kubectl(["delete", "configmap", "demo"]).output == "configmap \"demo\" deleted\n")
        #expect(sandbox.stop() == 0, "kube-sandbox exits cleanly on SIGTERM")
    }

    @Test("imperative kubectl commands send protobuf bodies: create namespace/configmap/secret/token, auth can-i")
    func imperativeCommandsWithProtobufBodies() throws {
        let sandbox = try RunningSandbox()
        #expect(try sandbox.kubectl(["create", "namespace", "imperative"]).output == "namespace/imperative created\n")
        #expect(try sandbox.kubectl(["create", "configmap", "settings", "-n", "imperative", "--from-literal=mode=fast", "--from-literal=empty="]).status == 0)
        #expect(try sandbox.kubectl(["get", "configmap", "settings", "-n", "imperative", "-o", "jsonpath={.data}"]).output == #"{"empty":"","mode":"fast"}"#)
        #expect(try sandbox.kubectl(["create", "secret", "generic", "creds", "-n", "imperative", "--from-literal=password=s3cr=t"]).status == 0)
        let stored = try sandbox.kubectl(["get", "secret", "creds", "-n", "imperative", "-o", "jsonpath={.data.password}"]).output
        #expect(Data(base64Encoded: stored).map { String(decoding: $0, as: UTF8.self) } == "s3cr=t", "secret bytes arrive intact")
        #expect(try sandbox.kubectl(["create", "serviceaccount", "reader", "-n", "imperative"]).status == 0)
        let role = try sandbox.kubectl(["create", "role", "read-cm", "-n", "imperative", "--verb=get,list", "--resource=configmaps"])
        #expect(role.status == 0, "\(role.error)")
        #expect(
            try sandbox.kubectl(["create", "rolebinding", "reader", "-n", "imperative", "--role=read-cm", "--serviceaccount=imperative:reader"]).status == 0)
        let token = try sandbox.kubectl(["create", "token", "reader", "-n", "imperative"])
        #expect(token.status == 0 && !token.output.isEmpty && !token.output.hasSuffix("\n"), "\(token.error)")
        func canI(_ arguments: [String]) throws -> ExternalTool.Result {
            try sandbox.kubectl(["--token", token.output, "auth", "can-i"] + arguments)
        }
        #expect(try canI(["list", "configmaps", "-n", "imperative"]).output == "yes\n")
        let denied = try canI(["list", "secrets", "-n", "imperative"])
        #expect(denied.output == "no\n" && denied.status == 1)
        #expect(try canI(["get", "configmaps", "-n", "default"]).output == "no\n", "the RoleBinding holds only in its namespace")
        let listed = try canI(["--list", "-n", "imperative"])
        #expect(listed.output.contains("configmaps") && listed.output.contains("[get list]"), "\(listed.output)")
        #expect(try sandbox.kubectl(["auth", "can-i", "delete", "nodes"]).output == "yes\n", "the admin is system:masters")
        #expect(try sandbox.kubectl(["delete", "namespace", "imperative"]).status == 0)
    }

    @Test("kubectl scale goes through /scale: a Cluster's instances (its CRD's scale paths, schema minimum enforced) and a Deployment's replicas")
    func kubectlScale() throws {
        let sandbox = try RunningSandbox()
        defer { _ = sandbox.stop() }
        let crds = try String(contentsOf: BuiltProducts.repositoryRoot.appendingPathComponent("manifests/crds.yaml"), encoding: .utf8)
        #expect(try sandbox.kubectl(["apply", "-f", "-"], stdin: crds).status == 0)
        #expect(try sandbox.kubectl(["apply", "-f", BuiltProducts.samples.appendingPathComponent("cluster-example.yaml").path]).status == 0)
        let scaled = try sandbox.kubectl(["scale", "cluster", "cluster-example", "--replicas=5"])
        #expect(scaled.output == "cluster.postgresql.cnpg.io/cluster-example scaled\n", "\(scaled.error)")
        #expect(try sandbox.kubectl(["get", "cluster", "cluster-example", "-o", "jsonpath={.spec.instances}"]).output == "5")
        let scale = try JSONText.parse(
            try sandbox.kubectl(["get", "--raw", "/apis/postgresql.cnpg.io/v1/namespaces/default/clusters/cluster-example/scale"]).output)
        #expect(scale["kind"] == .string("Scale") && scale["apiVersion"] == .string("autoscaling/v1") && scale["spec"]?["replicas"] == .int(5))
        let refused = try sandbox.kubectl(["scale", "cluster", "cluster-example", "--replicas=0"])
        #expect(refused.status == 1 && refused.error.contains("spec.instances: Invalid value: 0: should be greater than or equal to 1"), "\(refused.error)")
        // A PUT of a Scale read before another write is refused (kubectl's own --resource-version check is client-side).
        let stale = try sandbox.kubectl(
            ["replace", "--raw", "/apis/postgresql.cnpg.io/v1/namespaces/default/clusters/cluster-example/scale", "-f", "-"],
            stdin: #"{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"cluster-example","resourceVersion":"1"},"spec":{"replicas":3}}"#)
        #expect(stale.status == 1 && stale.error.contains("the object has been modified"), "\(stale.error)")
        #expect(try sandbox.kubectl(["get", "cluster", "cluster-example", "-o", "jsonpath={.spec.instances}"]).output == "5")

        #expect(
            try sandbox.kubectl(
                ["apply", "-f", "-"],
                stdin: """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: web}
                    spec:
                      replicas: 1
                      selector: {matchLabels: {app: web}}
                      template:
                        metadata: {labels: {app: web}}
                        spec: {containers: [{name: web, image: debian:bookworm, command: [sleep, infinity]}]}
                    """
            ).status == 0)
        let deployment = try sandbox.kubectl(["scale", "deployment", "web", "--replicas=3"])
        #expect(deployment.output == "deployment.apps/web scaled\n", "\(deployment.error)")
        #expect(try sandbox.kubectl(["get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"]).output == "3")
        let discovery = try sandbox.kubectl(["get", "--raw", "/apis/postgresql.cnpg.io/v1"]).output
        #expect(discovery.contains(#""name":"clusters/scale""#) && discovery.contains(#""name":"poolers/scale""#))
    }

    @Test("client certificates signed by the sandbox CA authenticate: CN is the user, O the groups; RBAC applies; another CA is refused")
    func clientCertificateAuthentication() throws {
        let sandbox = try RunningSandbox()
        defer { _ = sandbox.stop() }
        let state = sandbox.stateDirectory.path
        let directory = sandbox.directory.url.path
        let server =
            try String(contentsOfFile: sandbox.kubeconfig, encoding: .utf8).split(separator: "\n")
            .first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("server:") }?.split(separator: " ").last.map(String.init) ?? ""
        /// A key and a certificate for `subject`, signed by `caDirectory`'s ca.crt/ca.key, and a kubeconfig using them.
        func identity(_ name: String, subject: String, caCertificate: String, caKey: String) throws -> String {
            let key = "\(directory)/\(name).key"
            let request = "\(directory)/\(name).csr"
            let certificate = "\(directory)/\(name).crt"
            #expect(
                try OpenSSL.run([
                    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                    "-subj", subject, "-out", request,
                ]).status == 0)
            let signed = try OpenSSL.run([
                "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", caKey, "-CAcreateserial",
                "-days", "1", "-out", certificate,
            ])
            #expect(signed.status == 0, "\(signed.error)")
            let kubeconfig = "\(directory)/\(name).kubeconfig"
            try """
            apiVersion: v1
            kind: Config
            clusters: [{name: sandbox, cluster: {server: "\(server)", certificate-authority: "\(state)/ca.crt"}}]
            users: [{name: \(name), user: {client-certificate: "\(certificate)", client-key: "\(key)"}}]
            contexts: [{name: \(name), context: {cluster: sandbox, user: \(name), namespace: default}}]
            current-context: \(name)
            """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
            return kubeconfig
        }
        let caKeyMode = try FileManager.default.attributesOfItem(atPath: "\(state)/ca.key")[.posixPermissions] as? Int
        #expect(caKeyMode == 0o600)
        let jane = try identity("jane", subject: "/CN=jane/O=dev", caCertificate: "\(state)/ca.crt", caKey: "\(state)/ca.key")
        let forbidden = try sandbox.kubectl(["--kubeconfig", jane, "get", "pods"])
        #expect(forbidden.status == 1 && forbidden.error.contains(#"User "jane" cannot list resource "pods""#), "\(forbidden.error)")
        #expect(
            try sandbox.kubectl(
                ["apply", "-f", "-"],
                stdin: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: Role
                    metadata: {name: pod-reader}
                    rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
                    ---
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: RoleBinding
                    metadata: {name: dev-reads-pods}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
                    subjects: [{kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}]
                    """
            ).status == 0)
        let allowed = try sandbox.kubectl(["--kubeconfig", jane, "get", "pods"])
        #expect(allowed.status == 0, "the group from O is bound: \(allowed.error)")
        #expect(try sandbox.kubectl(["--kubeconfig", jane, "auth", "can-i", "delete", "pods"]).output == "no\n")

        let admin = try identity("ops", subject: "/CN=ops/O=system:masters", caCertificate: "\(state)/ca.crt", caKey: "\(state)/ca.key")
        #expect(try sandbox.kubectl(["--kubeconfig", admin, "create", "configmap", "by-certificate"]).status == 0)

        // A certificate from another CA never gets a session.
        #expect(
            try OpenSSL.run([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(directory)/other-ca.key",
                "-subj", "/CN=other-ca", "-days", "1", "-out", "\(directory)/other-ca.crt",
            ]).status == 0)
        let intruder = try identity(
            "intruder", subject: "/CN=intruder/O=system:masters", caCertificate: "\(directory)/other-ca.crt",
            caKey: "\(directory)/other-ca.key")
        let refused = try sandbox.kubectl(["--kubeconfig", intruder, "get", "pods"])
        #expect(refused.status == 1 && !refused.output.contains("No resources"), "\(refused.output) \(refused.error)")

        let audit = try String(contentsOf: sandbox.stateDirectory.appendingPathComponent("audit.jsonl"), encoding: .utf8)
        #expect(audit.contains(#""user":"jane""#) && audit.contains(#""user":"ops""#) && !audit.contains(#""user":"intruder""#))
    }

    @Test func kubectlWatchSeesChanges() throws {
        let sandbox = try RunningSandbox()
        let kubectl = try #require(ExternalTool.find("kubectl")).path
        let cache = sandbox.directory.url.appendingPathComponent("cache").path
        let seenPath = sandbox.directory.url.appendingPathComponent("watch.out").path
        let watcher = try ChildProcess.spawn(
            kubectl,
            ["--kubeconfig", sandbox.kubeconfig, "--cache-dir", cache, "get", "configmaps", "-w", "-o", "name", "--request-timeout=20s"],
            stdout: .file(seenPath), stderr: .discard)
        defer { ExternalTool.reap(watcher, until: Date()) }
        usleep(1_500_000)
        #expect(try sandbox.kubectl(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n").status == 0)
        usleep(1_000_000)
        watcher.signal(SIGTERM)
        ExternalTool.reap(watcher, until: Date().addingTimeInterval(10))
        let seen = (try? String(contentsOfFile: seenPath, encoding: .utf8)) ?? ""
        #expect(seen.contains("configmap/watched"), "\(seen)")
        let lingering = try ChildProcess.spawn(
            kubectl, ["--kubeconfig", sandbox.kubeconfig, "--cache-dir", cache, "get", "configmaps", "-w"], stdout: .discard, stderr: .discard)
        usleep(1_500_000)
        #expect(sandbox.stop() == 0, "an open watch does not keep the sandbox from stopping on SIGTERM")
        #expect(ExternalTool.reap(lingering, until: Date().addingTimeInterval(20)) == 0, "kubectl sees the watch end")
    }
}

@Suite(.serialized) struct KubectlAuthorizationTests {
    @Test func aServiceAccountWithoutRightsIsForbiddenAndAudited() throws {
        let sandbox = try RunningSandbox()
        #expect(try sandbox.kubectl(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: nobody\n").status == 0)
        let created = try sandbox.kubectl(
            ["create", "--raw", "/api/v1/namespaces/default/serviceaccounts/nobody/token", "-f", "-"],
            stdin: #"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}"#)
        #expect(created.status == 0, "\(created.error)")
        let token = try #require(try JSONText.parseTokenStatus(created.output))
        let config = try String(contentsOfFile: sandbox.kubeconfig, encoding: .utf8)
            .replacingOccurrences(of: #"token: [0-9a-f]+"#, with: "token: \(token)", options: .regularExpression)
        let restricted = sandbox.directory.url.appendingPathComponent("restricted.kubeconfig")
        try config.write(to: restricted, atomically: true, encoding: .utf8)
        let denied = try ExternalTool.run(
            try #require(ExternalTool.find("kubectl")),
            [
                "--kubeconfig", restricted.path, "--cache-dir", sandbox.directory.url.appendingPathComponent("cache2").path,
                "get", "secrets",
            ])
        #expect(denied.status == 1)
        #expect(
            denied.error.contains(
                #"Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:default:nobody" cannot list resource "secrets" in API group "" in the namespace "default""#
            ), "\(denied.error)")
        #expect(sandbox.stop() == 0)
        let audit = try String(contentsOf: sandbox.directory.url.appendingPathComponent("state/audit.jsonl"), encoding: .utf8)
        #expect(audit.contains(#""user":"system:serviceaccount:default:nobody","verb":"list","group":"","resource":"secrets""#), "\(audit.suffix(600))")
        #expect(audit.contains(#""code":403"#))
    }
}

extension JSONText {
    /// The token of a TokenRequest response.
    static func parseTokenStatus(_ text: String) throws -> String? {
        try parse(text)["status"]?["token"]?.stringValue
    }
}
