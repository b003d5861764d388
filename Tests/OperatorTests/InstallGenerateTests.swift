import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// `kubectl cnpg install generate`: the Helm chart's defaults with CNPG's names, valid for
/// kubernetes-validate, and an installation that runs on the sandbox (the operator as a Deployment
/// serving its webhooks and reconciling a Cluster).
extension HelmChartTests {
    static func installGenerate(_ arguments: [String] = []) throws -> [JSONValue] {
        let result = try BuiltProducts.run("kubectl-cnpg", ["install", "generate"] + arguments)
        guard result.status == 0 else { throw TestFailure("install generate \(arguments): \(result.error)") }
        return try YAMLLoader.documents(from: result.output).map(\.value).filter { $0 != .null }
    }

    @Test("install generate: the chart's default content with CNPG's names; kubernetes-validate --strict; flags land where they should")
    func installGenerateMatchesTheChart() throws {
        let home = try TemporaryDirectory(prefix: "helm")
        let chart = try Self.rendered(home: home)
        let generated = try Self.installGenerate()
        func one(_ kind: String, _ objects: [JSONValue], named name: String? = nil) -> JSONValue? {
            objects.first { $0["kind"]?.stringValue == kind && (name == nil || $0["metadata"]?["name"]?.stringValue == name) }
        }
        #expect(
            generated.map { $0["kind"]?.stringValue ?? "" }.filter { $0 != "CustomResourceDefinition" } == [
                "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "ConfigMap", "Service", "Deployment",
                "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
            ])
        // The pod the chart runs, but for the service account's name (the chart's follows the release).
        let podSpec = { (deployment: JSONValue?) in deployment?["spec"]?["template"]?["spec"]?.setting("serviceAccountName", to: .null) }
        #expect(podSpec(one("Deployment", generated)) == podSpec(one("Deployment", chart)))
        #expect(one("Deployment", generated)?["spec"]?["replicas"] == .int(1))
        #expect(one("Deployment", generated)?["spec"]?["template"]?["spec"]?["serviceAccountName"] == .string("cnpg-manager"))
        #expect(one("Service", generated)?["spec"]?["ports"] == one("Service", chart)?["spec"]?["ports"])
        #expect(one("ClusterRole", generated)?["rules"] == one("ClusterRole", chart)?["rules"])
        #expect(
            one("ClusterRoleBinding", generated)?["subjects"]
                == .array([
                    .object([
                        ("kind", .string("ServiceAccount")), ("name", .string("cnpg-manager")), ("namespace", .string("cnpg-system")),
                    ])
                ]))
        for name in ["cnpg-controller-manager-config", "cnpg-default-monitoring"] {
            #expect(one("ConfigMap", generated, named: name)?["data"] == one("ConfigMap", chart, named: name)?["data"], "\(name)")
        }
        for kind in ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "CustomResourceDefinition"] {
            let specs = { (objects: [JSONValue]) in objects.filter { $0["kind"]?.stringValue == kind }.map { $0["webhooks"] ?? $0["spec"] ?? .null } }
            #expect(specs(generated) == specs(chart), "\(kind)")
        }

        let tool = try #require(ExternalTool.find("kubernetes-validate"), "kubernetes-validate is missing: run scripts/install-test-deps.sh")
        let file = try BuiltProducts.temporaryFile(ManifestValidator.render(generated, format: "yaml"))
        defer { try? FileManager.default.removeItem(at: file) }
        let validated = try ExternalTool.run(tool, ["--strict", file.path])
        #expect(validated.status == 0, "\(validated.output)\(validated.error)")

        // Flags: the namespace moves everything namespaced (and the binding's subject, the webhooks' service).
        let moved = try Self.installGenerate([
            "-n", "pg-operator", "--replicas", "2", "--watch-namespace", "apps",
            "--image", "ghcr.io/cloudnative-pg/postgresql:17.5", "--control-plane",
        ])
        let namespaced = moved.filter { $0["metadata"]?["namespace"] != nil }
        #expect(!namespaced.isEmpty && namespaced.allSatisfy { $0["metadata"]?["namespace"] == .string("pg-operator") })
        #expect(one("Namespace", moved)?["metadata"]?["name"] == .string("pg-operator"))
        #expect(one("ClusterRoleBinding", moved)?["subjects"]?.arrayValue?.first?["namespace"] == .string("pg-operator"))
        #expect(
            one("ValidatingWebhookConfiguration", moved)?["webhooks"]?.arrayValue?.allSatisfy {
                $0["clientConfig"]?["service"]?["namespace"] == .string("pg-operator")
            } == true)
        let deployment = one("Deployment", moved)
        #expect(deployment?["spec"]?["replicas"] == .int(2))
        let arguments = deployment?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["args"]?.arrayValue ?? []
        #expect(arguments.contains(.string("--leader-elect")) && arguments.contains(.string("--namespace=apps")), "\(arguments)")
        #expect(deployment?["spec"]?["template"]?["spec"]?["tolerations"]?.arrayValue?.first?["key"] == .string("node-role.kubernetes.io/control-plane"))
        #expect(
            one("ConfigMap", moved, named: "cnpg-controller-manager-config")?["data"]
                == .object([
                    ("POSTGRES_IMAGE_NAME", .string("ghcr.io/cloudnative-pg/postgresql:17.5")), ("WATCH_NAMESPACE", .string("apps")),
                ]))
        let bad = try BuiltProducts.run("kubectl-cnpg", ["install", "generate", "-n", "Bad_Name"])
        #expect(bad.status != 0 && bad.error.contains(#"--namespace "Bad_Name" is not a valid namespace name"#), "\(bad.error)")
        let otherVersion = try BuiltProducts.run("kubectl-cnpg", ["install", "generate", "--version", "1.22.0"])
        #expect(otherVersion.status != 0 && otherVersion.error.contains("carries the manifests of \(CNPG.operatorVersion) only"), "\(otherVersion.error)")
    }

    @Test("install generate | kubectl apply: the operator runs as its Deployment, serves its webhooks and reconciles a Cluster, with no RBAC refusal")
    func installGenerateRunsOnTheSandbox() async throws {
        let sandbox = try RunningSandbox(kubelet: true, extraArguments: ["--address-block", String(Int.random(in: 56...62) * 2)])
        defer { _ = sandbox.stop() }
        let manifests = try BuiltProducts.run("kubectl-cnpg", ["install", "generate"])
        try #require(manifests.status == 0, "\(manifests.error)")
        let applied = try sandbox.kubectl(["apply", "--server-side", "-f", "-"], stdin: manifests.output)
        try #require(applied.status == 0, "\(applied.error)")
        let selector = "app.kubernetes.io/name=cloudnative-pg"
        let logs = { String(((try? sandbox.kubectl(["logs", "-n", "cnpg-system", "-l", selector, "--tail", "20"]).output) ?? "").suffix(1500)) }
        try #require(
            await Eventually.check(within: 90) {
                sandbox.jsonpath("deployment/cnpg-controller-manager", ".status.readyReplicas", namespace: "cnpg-system") == "1"
            }, "the operator never became ready: \(logs())")
        try #require(await OperatorInstallation.webhooksAnswer(sandbox, within: 60), "\(logs())")
        let cluster = try sandbox.kubectl(
            ["apply", "-f", "-"], stdin: "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: one}\nspec: {instances: 1, storage: {size: 1Gi}}\n"
        )
        #expect(cluster.status == 0, "\(cluster.error)")
        #expect(
            await Eventually.check(within: 120) { sandbox.jsonpath("cluster/one", ".status.phase") == "Cluster in healthy state" },
            "the generated operator reconciles: \(logs())")
        let audit = (try? String(contentsOf: sandbox.stateDirectory.appendingPathComponent("audit.jsonl"), encoding: .utf8)) ?? ""
        let refusals = audit.split(separator: "\n").filter { $0.contains("system:serviceaccount:cnpg-system:cnpg-manager") && $0.contains(#""code":403"#) }
        #expect(refusals.isEmpty, "the generated RBAC is enough: \(refusals.prefix(3))")

        try Self.checkReports(sandbox)
    }

    /// The files of a ZIP archive and their text, read by Python's zipfile.
    static func unzipped(_ path: String) throws -> [String: String] {
        let python = try #require(ExternalTool.find("python3"))
        let script = "import sys, zipfile, json; z = zipfile.ZipFile(sys.argv[1]); print(json.dumps({i: z.read(i).decode() for i in z.namelist()}))"
        let listed = try ExternalTool.run(python, ["-c", script, path])
        guard listed.status == 0 else { throw TestFailure("not a ZIP archive: \(listed.error)") }
        return (try JSONText.parse(listed.output).objectMembers ?? []).reduce(into: [:]) { $0[$1.0] = $1.1.stringValue ?? "" }
    }

    /// `kubectl cnpg report cluster|operator` against the generated operator and its Cluster `one`.
    static func checkReports(_ sandbox: RunningSandbox) throws {
        let plugin = { (arguments: [String]) in try BuiltProducts.run("kubectl-cnpg", arguments + ["--kubeconfig", sandbox.kubeconfig]) }
        let clusterZip = sandbox.directory.url.appendingPathComponent("cluster.zip").path
        let cluster = try plugin(["report", "cluster", "one", "--logs", "-f", clusterZip])
        #expect(cluster.output == "Successfully written report to \"\(clusterZip)\" (format: \"yaml\")\n", "\(cluster.output)\(cluster.error)")
        let files = try unzipped(clusterZip)
        let root = try #require(files.keys.first?.split(separator: "/").first.map(String.init))
        #expect(root.hasPrefix("report_cluster_one_"), "\(files.keys.sorted())")
        for name in ["cluster", "cluster-pods", "cluster-jobs", "cluster-pvcs", "events"] {
            #expect(files["\(root)/manifests/\(name).yaml"] != nil, "\(name) missing: \(files.keys.sorted())")
        }
        #expect(files["\(root)/manifests/cluster.yaml"]?.contains("kind: Cluster") == true)
        #expect(files["\(root)/manifests/events.yaml"]?.contains("CreatingInstance") == true)
        #expect(files["\(root)/logs/one-1-postgres.jsonl"]?.contains(#""logging_pod":"one-1""#) == true, "\(files.keys.sorted())")
        #expect(files.keys.contains { $0.hasPrefix("\(root)/job-logs/one-1-initdb") }, "\(files.keys.sorted())")
        let again = try plugin(["report", "cluster", "one", "-f", clusterZip])
        #expect(again.status != 0 && again.error.contains("file already exists: \(clusterZip)"), "\(again.error)")

        // The operator's report: its Secrets' values removed unless -S.
        let caKey = sandbox.jsonpath("secret/cnpg-ca-secret", #".data.ca\.key"#, namespace: "cnpg-system")
        try #require(!caKey.isEmpty)
        let operatorZip = sandbox.directory.url.appendingPathComponent("operator.zip").path
        let report = try plugin(["report", "operator", "-o", "json", "--logs", "-f", operatorZip])
        #expect(report.status == 0, "\(report.error)")
        let operatorFiles = try unzipped(operatorZip)
        let secrets = try #require(operatorFiles.first { $0.key.hasSuffix("/manifests/secrets.json") }?.value)
        #expect(secrets.contains("cnpg-ca-secret") && !secrets.contains(caKey), "the CA key is in the report")
        #expect(operatorFiles.keys.contains { $0.contains("/operator-logs/cnpg-controller-manager-") }, "\(operatorFiles.keys.sorted())")
        #expect(operatorFiles.keys.contains { $0.hasSuffix("/manifests/deployment.json") })
        let unredactedZip = sandbox.directory.url.appendingPathComponent("operator-unredacted.zip").path
        #expect(try plugin(["report", "operator", "-S", "-f", unredactedZip]).status == 0)
        #expect(try unzipped(unredactedZip).contains { $0.key.hasSuffix("/manifests/secrets.yaml") && $0.value.contains(caKey) }, "-S keeps the values")
    }
}
