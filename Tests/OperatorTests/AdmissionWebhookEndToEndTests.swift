import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The operator's admission webhooks behind the real kubectl: the sandbox calls them as
/// kube-apiserver would, the operator runs with only its ClusterRole.
@Suite("Admission webhooks end to end", .serialized)
struct AdmissionWebhookEndToEndTests {
    typealias Lifecycle = ClusterLifecycleTests

    static func cluster(_ name: String, _ spec: String, annotations: String = "") -> String {
        "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: \(name)\n\(annotations)spec:\n\(spec)"
    }

    /// The serial number of the certificate served on `port` (TLS 1.3, verified against `caFile` for the service name).
    static func servedSerial(port: Int, caFile: String) throws -> String? {
        let name = WebhookPKI.serviceDNSName(namespace: "cnpg-system")
        let handshake = try OpenSSL.run(
            [
                "s_client", "-connect", "127.0.0.1:\(port)", "-tls1_3", "-servername", name, "-verify_hostname", name,
                "-CAfile", caFile, "-verify_return_error",
            ], stdin: "")
        guard handshake.status == 0, handshake.output.contains("Verify return code: 0 (ok)") else { return nil }
        let serial = try OpenSSL.run(["x509", "-noout", "-serial"], stdin: handshake.output)
        return serial.status == 0 ? serial.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    @Test("kubectl apply meets CNPG's defaults, field errors, update rules and bypass warning; TLS 1.3 only; failurePolicy Fail; renewal without refusals")
    func webhooksBehindKubectl() async throws {
        let sandbox = try RunningSandbox()
        defer { _ = sandbox.stop() }
        let kubeconfig = try await OperatorInstallation.install(on: sandbox)
        let port = try FreePort.find()
        try OperatorInstallation.installWebhooks(sandbox, port: port)
        let metricsPort = try FreePort.find()
        var controller = try OperatorProcess.withWebhooks(
            kubeconfig: kubeconfig, log: sandbox.directory.url.appendingPathComponent("operator.log").path,
            port: port, extraArguments: ["--metrics-bind-address", "127.0.0.1:\(metricsPort)"])
        defer {
            controller.killIfRunning()
        }
        try #require(await OperatorInstallation.webhooksAnswer(sandbox), "\(controller.output.suffix(800))")

        // The PKI: both secrets in the operator namespace, the CA injected into every webhook.
        let caPEM = sandbox.jsonpath("secret/cnpg-ca-secret", #".data.ca\.crt"#, namespace: "cnpg-system")
        #expect(!caPEM.isEmpty)
        #expect(sandbox.jsonpath("secret/cnpg-webhook-cert", ".type", namespace: "cnpg-system") == "kubernetes.io/tls")
        for configuration in [
            "mutatingwebhookconfiguration/cnpg-mutating-webhook-configuration",
            "validatingwebhookconfiguration/cnpg-validating-webhook-configuration",
        ] {
            let bundles = try sandbox.kubectl(["get", configuration, "-o", "jsonpath={.webhooks[*].clientConfig.caBundle}"]).output
            #expect(Set(bundles.split(separator: " ").map(String.init)) == [caPEM], "\(configuration)")
        }

        // Mutating: CNPG's defaults land in the stored object.
        let good = try sandbox.kubectl(["apply", "-f", "-"], stdin: Self.cluster("good", "  instances: 1\n  storage: {size: 1Gi}\n"))
        #expect(good.status == 0, "\(good.error)")
        #expect(sandbox.jsonpath("cluster/good", ".spec.imageName") == CNPG.defaultImageName)
        #expect(sandbox.jsonpath("cluster/good", ".spec.bootstrap.initdb.database") == "app")
        #expect(sandbox.jsonpath("cluster/good", ".spec.bootstrap.initdb.owner") == "app")

        // Validating: kubectl prints CNPG's field errors one per line.
        let badSpec = "  instances: 2\n  imageName: ghcr.io/cloudnative-pg/postgresql:latest\n  maxSyncReplicas: 3\n  storage: {size: 1Gi}\n"
        let bad = try sandbox.kubectl(["apply", "-f", "-"], stdin: Self.cluster("bad", badSpec))
        #expect(bad.status != 0)
        #expect(bad.error.contains("The Cluster \"bad\" is invalid: \n"), "\(bad.error)")
        #expect(
            bad.error.contains(#"* spec.imageName: Invalid value: "ghcr.io/cloudnative-pg/postgresql:latest": the 'latest' tag is not supported"#),
            "\(bad.error)")
        #expect(bad.error.contains("* spec.maxSyncReplicas: Invalid value: 3: maxSyncReplicas must be lower than the number of instances"), "\(bad.error)")
        #expect(try sandbox.kubectl(["get", "cluster", "bad"]).status != 0, "a denied object is not stored")

        // Update rules see the old object: storage cannot shrink.
        let shrink = try sandbox.kubectl(["patch", "cluster", "good", "--type=merge", "-p", #"{"spec":{"storage":{"size":"512Mi"}}}"#])
        #expect(shrink.status != 0)
        #expect(shrink.error.contains("spec.storage.size"), "\(shrink.error)")

        // The bypass annotation: accepted, with CNPG's warning on stderr.
        let bypass = try sandbox.kubectl(
            ["apply", "-f", "-"], stdin: Self.cluster("bypass", badSpec, annotations: "  annotations: {cnpg.io/validation: disabled}\n"))
        #expect(bypass.status == 0, "\(bypass.error)")
        #expect(bypass.error.contains("Warning: validation is disabled by the cnpg.io/validation annotation"), "\(bypass.error)")

        // TLS 1.3 only, and the certificate verifies against the injected CA for the service name.
        let caFile = try sandbox.directory.write("webhook-ca.crt", String(decoding: Data(base64Encoded: caPEM) ?? Data(), as: UTF8.self))
        let tls12 = try OpenSSL.run(["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2"], stdin: "")
        #expect(tls12.status != 0, "TLS 1.2 must be refused")
        let curlTool = try #require(ExternalTool.find("curl"))
        let plain = try ExternalTool.run(
            curlTool, ["-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/mutate-postgresql-cnpg-io-v1-cluster"])
        #expect(plain.status != 0 && plain.output == "000", "plain HTTP gets no answer: \(plain.output) \(plain.error)")
        let firstSerial = try Self.servedSerial(port: port, caFile: caFile)
        #expect(firstSerial != nil)

        // No 403 for the operator: its ClusterRole is enough.
        let audit = (try? String(contentsOf: sandbox.stateDirectory.appendingPathComponent("audit.jsonl"), encoding: .utf8)) ?? ""
        let denied = audit.split(separator: "\n").filter { $0.contains("system:serviceaccount:cnpg-system:cnpg-manager") && $0.contains(#""code":403"#) }
        #expect(denied.isEmpty, "\(denied.prefix(3))")

        // Metrics on the metrics port: what promtool accepts, with the reconcile, queue, webhook,
        // API client and per-Cluster series.
        guard let curl = ExternalTool.find("curl"), let promtool = ExternalTool.find("promtool") else {
            throw TestFailure("curl and promtool are needed: run scripts/install-test-deps.sh")
        }
        let healthyGauge = #"cnpg_operator_cluster_ready_instances{namespace="default",name="good"}"#
        var exposition = ""
        _ = await Eventually.check(within: 20) {
            exposition = (try? ExternalTool.run(curl, ["-sf", "http://127.0.0.1:\(metricsPort)/metrics"]).output) ?? ""
            return exposition.contains(healthyGauge)
        }
        let lint = try ExternalTool.run(promtool, ["check", "metrics"], stdin: exposition)
        #expect(lint.status == 0, "\(lint.output) \(lint.error)")
        for series in [
            #"controller_runtime_reconcile_total{controller="cluster",result="#, "controller_runtime_reconcile_time_seconds_bucket",
            #"workqueue_depth{name="cluster"}"#, #"workqueue_adds_total{name="cluster"}"#,
            #"controller_runtime_webhook_requests_total{webhook="/validate-postgresql-cnpg-io-v1-cluster",code="200"}"#,
            #"rest_client_requests_total{code="201",method="POST"}"#, healthyGauge,
            "# HELP controller_runtime_reconcile_total ",
        ] {
            #expect(exposition.contains(series), "\(series) missing from: \(exposition.prefix(1500))")
        }
        #expect(try sandbox.kubectl(["delete", "cluster", "good", "--wait=false"]).status == 0)
        #expect(
            await Eventually.check(within: 20) {
                !((try? ExternalTool.run(curl, ["-sf", "http://127.0.0.1:\(metricsPort)/metrics"]).output) ?? healthyGauge).contains(healthyGauge)
            }, "a deleted Cluster's gauges go away")

        // failurePolicy Fail: with the operator gone, Cluster writes are refused, not let through unchecked.
        #expect(await controller.stop() == .exited(0))
        let refused = try sandbox.kubectl(["apply", "-f", "-"], stdin: Self.cluster("while-down", "  instances: 1\n  storage: {size: 1Gi}\n"))
        #expect(refused.status != 0)
        #expect(refused.error.contains(#"failed calling webhook "mcluster.cnpg.io""#), "\(refused.error)")

        // Renewal every second (20 s certificates renewed 19 s before expiry; the 90-day ones are
        // removed so the new lifetime applies from the start): the served certificate changes without
        // a restart and no apply is refused meanwhile, because the caBundle is the CA.
        #expect(try sandbox.kubectl(["delete", "secret", "cnpg-webhook-cert", "cnpg-ca-secret", "-n", "cnpg-system"]).status == 0)
        controller = try OperatorProcess.withWebhooks(
            kubeconfig: kubeconfig, log: sandbox.directory.url.appendingPathComponent("renewing.log").path,
            port: port, environment: ["CERTIFICATE_DURATION": "20s", "EXPIRING_CHECK_THRESHOLD": "19s"],
            extraArguments: ["--webhook-certificate-check-seconds", "1"])
        try #require(await OperatorInstallation.webhooksAnswer(sandbox), "\(controller.output.suffix(800))")
        var serials: Set<String> = []
        var refusals: [String] = []
        for round in 0..<8 {
            let applied = try sandbox.kubectl(["apply", "-f", "-"], stdin: Self.cluster("renewal-\(round)", "  instances: 1\n  storage: {size: 1Gi}\n"))
            if applied.status != 0 { refusals.append(applied.error) }
            let bundle = try String(
                decoding: Data(
                    base64Encoded: sandbox.kubectl(
                        ["get", "validatingwebhookconfiguration/cnpg-validating-webhook-configuration", "-o", "jsonpath={.webhooks[0].clientConfig.caBundle}"])
                        .output) ?? Data(),
                as: UTF8.self)
            if let serial = try Self.servedSerial(port: port, caFile: try sandbox.directory.write("bundle-\(round).crt", bundle)) { serials.insert(serial) }
            try await Task.sleep(for: .milliseconds(700))
        }
        #expect(refusals.isEmpty, "\(refusals.prefix(2))")
        #expect(serials.count >= 2, "the served certificate was never renewed: \(controller.output.suffix(800))")
        #expect(controller.output.contains("webhook server now serves the renewed certificate"))
    }
}
