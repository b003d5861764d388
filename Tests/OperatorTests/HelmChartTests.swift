import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// `charts/cloudnative-pg` with the real helm: lint, rendering that kubernetes-validate accepts,
/// values checked by the schema, objects identical to what the operator's generators print, and an
/// install/upgrade/uninstall on the sandbox where the operator runs as the chart's Deployment.
@Suite("Helm chart", .serialized)
struct HelmChartTests {
    static let chart = BuiltProducts.repositoryRoot.appendingPathComponent("charts/cloudnative-pg").path
    static var valuesFiles: [String] {
        let directory = chart + "/ci"
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted().map { directory + "/" + $0 }
    }

    /// helm with its state in `home` (never the user's ~/.cache or ~/.config).
    static func helm(_ arguments: [String], home: TemporaryDirectory, timeout: TimeInterval = 120) throws -> ExternalTool.Result {
        guard let helm = ExternalTool.find("helm"), let env = ExternalTool.find("env") else {
            throw TestFailure("helm is not installed: run scripts/install-test-deps.sh")
        }
        let base = home.url.path
        return try ExternalTool.run(
            env,
            [
                "HELM_CACHE_HOME=\(base)/cache", "HELM_CONFIG_HOME=\(base)/config", "HELM_DATA_HOME=\(base)/data",
                helm.path,
            ] + arguments, timeout: timeout)
    }

    static func rendered(_ arguments: [String] = [], home: TemporaryDirectory) throws -> [JSONValue] {
        let result = try helm(["template", "cnpg", chart, "--namespace", "cnpg-system"] + arguments, home: home)
        guard result.status == 0 else { throw TestFailure("helm template \(arguments): \(result.error)") }
        return try YAMLLoader.documents(from: result.output).map(\.value).filter { $0 != .null }
    }

    static func generated(_ arguments: [String]) throws -> [JSONValue] {
        let result = try BuiltProducts.run("cnpg-operator", ["generate"] + arguments)
        guard result.status == 0 else { throw TestFailure("generate \(arguments): \(result.error)") }
        return try YAMLLoader.documents(from: result.output).map(\.value)
    }

    @Test("helm lint --strict passes and every rendering passes kubernetes-validate --strict")
    func lintAndValidate() throws {
        let home = try TemporaryDirectory(prefix: "helm")
        guard let validator = ExternalTool.find("kubernetes-validate") else { throw TestFailure("kubernetes-validate is not installed") }
        for values in [nil] + Self.valuesFiles.map(Optional.some) {
            let extra = values.map { ["--values", $0] } ?? []
            let lint = try Self.helm(["lint", "--strict", Self.chart] + extra, home: home)
            #expect(lint.status == 0, "\(values ?? "defaults"): \(lint.output) \(lint.error)")
            let rendered = try Self.helm(["template", "cnpg", Self.chart, "--namespace", "cnpg-system"] + extra, home: home)
            #expect(rendered.status == 0, "\(rendered.error)")
            let file = try home.write("rendered-\((values as NSString?)?.lastPathComponent ?? "defaults")", rendered.output)
            let validation = try ExternalTool.run(validator, ["--strict", file])
            #expect(validation.status == 0, "\(values ?? "defaults"): \(validation.output.split(separator: "\n").filter { !$0.hasPrefix("INFO") })")
        }
        #expect(Self.valuesFiles.count >= 2, "non-default values files live in charts/cloudnative-pg/ci")
    }

    @Test("bad values fail with the schema's message naming the key")
    func badValuesAreRefused() throws {
        let home = try TemporaryDirectory(prefix: "helm")
        for (flag, message) in [
            ("replicaCount=two", "at '/replicaCount': got string, want integer"),
            ("image.pullPolicy=Sometimes", "at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'"),
            ("webhook.mutating.failurePolicy=Maybe", "at '/webhook/mutating/failurePolicy'"),
            ("config.data.lowercase=x", "'lowercase' does not match pattern '^[A-Z][A-Z0-9_]*$'"),
            ("replicaCuont=2", "additional properties 'replicaCuont' not allowed"),
        ] {
            let result = try Self.helm(["template", "cnpg", Self.chart, "--set", flag], home: home)
            #expect(result.status != 0, "\(flag) must be refused")
            #expect(result.error.contains(message), "\(flag): \(result.error)")
        }
    }

    @Test("the chart's RBAC, CRDs and webhooks are exactly what the operator generates")
    func chartMatchesTheGenerators() throws {
        let home = try TemporaryDirectory(prefix: "helm")
        let objects = try Self.rendered(home: home)
        func kind(_ kind: String, in objects: [JSONValue]) -> [JSONValue] { objects.filter { $0["kind"]?.stringValue == kind } }
        let generatedRules = try Self.generated(["rbac"]).first?["rules"]
        #expect(kind("ClusterRole", in: objects).first?["rules"] == generatedRules)
        let subject = kind("ClusterRoleBinding", in: objects).first?["subjects"]?.arrayValue?.first
        #expect(subject?["namespace"] == .string("cnpg-system"))
        #expect(subject?["name"] == kind("ServiceAccount", in: objects).first?["metadata"]?["name"])

        let crds = kind("CustomResourceDefinition", in: objects)
        #expect(crds.allSatisfy { $0["metadata"]?["annotations"]?["helm.sh/resource-policy"] == .string("keep") }, "uninstall keeps the CRDs (and the data)")
        let stripped = crds.map { $0.setting("metadata", to: ($0["metadata"] ?? .null).setting("annotations", to: .null)) }
        let expected = try Self.generated(["crds"]).map { $0.setting("metadata", to: ($0["metadata"] ?? .null).setting("annotations", to: .null)) }
        #expect(stripped == expected, "run `make generate` after changing the types")

        let webhooks = try Self.generated(["webhooks", "--operator-namespace", "cnpg-system"])
        for configurationKind in ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"] {
            #expect(kind(configurationKind, in: objects).first?["webhooks"] == kind(configurationKind, in: webhooks).first?["webhooks"], "\(configurationKind)")
            #expect(kind(configurationKind, in: objects).first?["metadata"]?["name"] == kind(configurationKind, in: webhooks).first?["metadata"]?["name"])
        }
        let queries = kind("ConfigMap", in: objects).first { $0["metadata"]?["name"] == .string(DefaultMonitoringQueries.configMapName) }
        #expect(queries?["data"]?["queries"]?.stringValue == DefaultMonitoringQueries.yaml, "run `make generate` after changing the default queries")
        #expect(queries?["metadata"]?["labels"]?["cnpg.io/reload"] == .string(""))

        let service = kind("Service", in: objects).first
        #expect(service?["metadata"]?["name"] == .string(WebhookPKI.serviceName))
        let deployment = try #require(kind("Deployment", in: objects).first)
        #expect(
            deployment["spec"]?["template"]?["metadata"]?["labels"]?[CNPGLabels.appName] == .string("cloudnative-pg"),
            "the operator finds its Deployment (owner of the webhook certificates) by this label")
        let container = deployment["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first
        #expect(container?["securityContext"]?["readOnlyRootFilesystem"] == .bool(true))
        #expect(
            container?["resources"]?["requests"]?["cpu"] != nil && container?["resources"]?["requests"]?["memory"] != nil, "the operator asks for resources")
        #expect(container?["securityContext"]?["capabilities"]?["drop"] == .array([.string("ALL")]))
        #expect(deployment["spec"]?["template"]?["spec"]?["securityContext"]?["runAsNonRoot"] == .bool(true))
        #expect(container?["args"]?.arrayValue?.contains(.string("--leader-elect")) == false, "one replica needs no election")

        // Managed NetworkPolicies: the role gains exactly the generator's extra rule, the config the setting.
        let managing = try Self.rendered(["--set", "clusterNetworkPolicies.managed=true"], home: home)
        #expect(kind("ClusterRole", in: managing).first?["rules"] == (try Self.generated(["rbac", "--network-policies"]).first?["rules"]))
        let settings = kind("ConfigMap", in: managing).first { $0["metadata"]?["name"] == .string("cnpg-controller-manager-config") }
        #expect(settings?["data"]?["MANAGE_NETWORK_POLICIES"] == .string("true"))

        let namespaced = try Self.rendered(["--set", "config.clusterWide=false", "--set", "replicaCount=2"], home: home)
        #expect(kind("Role", in: namespaced).first?["rules"] == generatedRules)
        let args = kind("Deployment", in: namespaced).first?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["args"]?.arrayValue ?? []
        #expect(args.contains(.string("--namespace=cnpg-system")) && args.contains(.string("--leader-elect")))
        let allowed = generatedRules?.arrayValue ?? []
        for rule in kind("ClusterRole", in: namespaced).first?["rules"]?.arrayValue ?? [] {
            let covered = allowed.contains { grant in
                grant["apiGroups"] == rule["apiGroups"] && Set(rule["resources"]?.arrayValue ?? []).isSubset(of: Set(grant["resources"]?.arrayValue ?? []))
                    && Set(rule["verbs"]?.arrayValue ?? []).isSubset(of: Set(grant["verbs"]?.arrayValue ?? []))
            }
            #expect(covered, "the namespaced install's cluster-scoped rule \(rule) must be part of the operator's rules")
        }
    }

    @Test(
        "helm install runs the operator as the chart's Deployment (webhooks through the Service, a Cluster reconciled); upgrade to two replicas elects a leader; uninstall removes it and keeps the CRDs"
    )
    func installUpgradeUninstall() async throws {
        let sandbox = try RunningSandbox(kubelet: true, extraArguments: ["--address-block", String(Int.random(in: 56...62) * 2)])
        defer { _ = sandbox.stop() }
        let home = try TemporaryDirectory(prefix: "helm")
        func helm(_ arguments: [String]) throws -> ExternalTool.Result {
            try Self.helm(arguments + ["--kubeconfig", sandbox.kubeconfig], home: home, timeout: 180)
        }
        func jsonpath(_ arguments: [String], _ path: String) -> String {
            (try? sandbox.kubectl(["get"] + arguments + ["-o", "jsonpath={\(path)}"]).output) ?? ""
        }
        let selector = "app.kubernetes.io/name=cloudnative-pg"
        func readyOperators() -> Int {
            jsonpath(["pods", "-n", "cnpg-system", "-l", selector], #".items[*].status.conditions[?(@.type=="Ready")].status"#)
                .split(separator: " ").filter { $0 == "True" }.count
        }
        func operatorLogs() -> String {
            String(((try? sandbox.kubectl(["logs", "-n", "cnpg-system", "-l", selector, "--tail", "20"]).output) ?? "").suffix(1500))
        }

        let install = try helm(["install", "cnpg", Self.chart, "--namespace", "cnpg-system", "--create-namespace"])
        try #require(install.status == 0, "\(install.error)")
        #expect(install.output.contains("kubectl cnpg status cluster-example"), "NOTES.txt is shown")
        try #require(await Eventually.check(within: 90) { readyOperators() == 1 }, "the operator pod never became ready: \(operatorLogs())")
        try #require(await OperatorInstallation.webhooksAnswer(sandbox, within: 60), "\(operatorLogs())")
        #expect(jsonpath(["secret", "cnpg-webhook-cert", "-n", "cnpg-system"], ".metadata.ownerReferences[0].kind") == "Deployment")

        let denied = try sandbox.kubectl(
            ["apply", "-f", "-"],
            stdin:
                "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: bad}\nspec: {instances: 1, imageName: 'ghcr.io/cloudnative-pg/postgresql:latest', storage: {size: 1Gi}}\n"
        )
        #expect(denied.status != 0 && denied.error.contains("the 'latest' tag is not supported"), "\(denied.error)")
        let applied = try sandbox.kubectl(
            ["apply", "-f", "-"], stdin: "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: one}\nspec: {instances: 1, storage: {size: 1Gi}}\n"
        )
        #expect(applied.status == 0, "\(applied.error)")
        #expect(
            await Eventually.check(within: 120) { jsonpath(["cluster", "one"], ".status.phase") == "Cluster in healthy state" },
            "the chart's operator reconciles: \(operatorLogs())")

        let upgrade = try helm(["upgrade", "cnpg", Self.chart, "--namespace", "cnpg-system", "--set", "replicaCount=2"])
        #expect(upgrade.status == 0, "\(upgrade.error)")
        #expect(
            await Eventually.check(within: 90) {
                readyOperators() == 2 && jsonpath(["deployment", "cnpg-cloudnative-pg", "-n", "cnpg-system"], ".status.updatedReplicas") == "2"
                    && jsonpath(["pods", "-n", "cnpg-system", "-l", selector], ".items[*].metadata.name").split(separator: " ").count == 2
            }, "\(operatorLogs())")
        #expect(await Eventually.check(within: 30) { !jsonpath(["lease", "db9c8771.cnpg.io", "-n", "cnpg-system"], ".spec.holderIdentity").isEmpty })
        #expect(
            !jsonpath(["validatingwebhookconfiguration", "cnpg-validating-webhook-configuration"], ".webhooks[0].clientConfig.caBundle").isEmpty,
            "the upgrade keeps the injected caBundle")
        #expect(await OperatorInstallation.webhooksAnswer(sandbox, within: 30))

        let audit = (try? String(contentsOf: sandbox.stateDirectory.appendingPathComponent("audit.jsonl"), encoding: .utf8)) ?? ""
        let refusals = audit.split(separator: "\n").filter {
            $0.contains("system:serviceaccount:cnpg-system:cnpg-cloudnative-pg") && $0.contains(#""code":403"#)
        }
        #expect(refusals.isEmpty, "the chart's RBAC is enough: \(refusals.prefix(3))")

        let uninstall = try helm(["uninstall", "cnpg", "--namespace", "cnpg-system"])
        #expect(uninstall.status == 0, "\(uninstall.error)")
        #expect(uninstall.output.contains("kept due to the resource policy"), "\(uninstall.output)")
        #expect(
            await Eventually.check(within: 60) {
                jsonpath(["pods", "-n", "cnpg-system", "-l", selector], ".items[*].metadata.name").isEmpty
                    && (try? sandbox.kubectl(["get", "secret", "cnpg-webhook-cert", "-n", "cnpg-system"]).status) != 0
            }, "the operator's pods and its certificates go with the Deployment")
        #expect(try sandbox.kubectl(["get", "clusterrole", "cnpg-cloudnative-pg"]).status != 0)
        #expect(try sandbox.kubectl(["get", "validatingwebhookconfiguration", "cnpg-validating-webhook-configuration"]).status != 0)
        #expect(try sandbox.kubectl(["get", "crd", "clusters.postgresql.cnpg.io"]).status == 0, "CRDs stay")
        #expect(try sandbox.kubectl(["get", "cluster", "one"]).status == 0, "and so do the Clusters")
    }
}

extension HelmChartTests {
    /// Every key of values.schema.json has a row in docs/helm.md.
    @Test func everyValueIsDocumented() throws {
        let schema = try JSONText.parse(String(contentsOfFile: Self.chart + "/values.schema.json", encoding: .utf8))
        let doc = try String(contentsOf: BuiltProducts.repositoryRoot.appendingPathComponent("docs/helm.md"), encoding: .utf8)
        func keys(_ node: JSONValue?, _ prefix: String) -> [String] {
            guard let properties = node?["properties"]?.objectMembers, node?["additionalProperties"] == .bool(false) else { return [prefix] }
            return properties.flatMap { key, child in keys(child, prefix.isEmpty ? key : "\(prefix).\(key)") }
        }
        // A key is documented by its own row or by its parent's (`resources`, a probe's fields).
        func documented(_ key: String) -> Bool {
            let parts = key.split(separator: ".")
            return (1...parts.count).contains { doc.contains("`\(parts.prefix($0).joined(separator: "."))`") }
        }
        let missing = keys(schema, "").filter { $0 != "global" && !documented($0) }
        #expect(missing.isEmpty, "undocumented values: \(missing)")
    }
}
