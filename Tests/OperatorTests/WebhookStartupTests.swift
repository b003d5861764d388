import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The operator starting (and restarting) under webhooks with failurePolicy Fail: until its
/// webhook server answers `/readyz` a Cluster apply is refused quickly with the webhook named,
/// and from the first `/readyz` OK every apply is admitted (the caBundle is injected before the
/// server listens, so readiness never comes before admission works).
extension AdmissionWebhookEndToEndTests {
    @Test("operator start and restart: from the first /readyz OK every Cluster apply is admitted; before it they fail naming the webhook")
    func webhookReadinessAtStart() async throws {
        guard let curl = ExternalTool.find("curl") else { throw TestFailure("curl is needed: run scripts/install-test-deps.sh") }
        let sandbox = try RunningSandbox()
        defer { _ = sandbox.stop() }
        let kubeconfig = try await OperatorInstallation.install(on: sandbox)
        let port = try FreePort.find()
        try OperatorInstallation.installWebhooks(sandbox, port: port)
        let probe = "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: startup-probe}\nspec: {instances: 1, storage: {size: 1Gi}}\n"

        for round in ["first start", "restart"] {
            // No operator: failurePolicy Fail refuses at once, naming the webhook.
            let down = try sandbox.kubectl(["apply", "--dry-run=server", "-f", "-"], stdin: probe)
            #expect(down.status != 0 && down.error.contains("failed calling webhook") && down.error.contains("cnpg.io"), "\(round): \(down.error)")
            let started = ContinuousClock.now
            let controller = try OperatorProcess.withWebhooks(
                kubeconfig: kubeconfig, log: sandbox.directory.url.appendingPathComponent("operator-\(round.first!).log").path,
                port: port)
            var stopped = false
            defer {
                if !stopped {
                    controller.killIfRunning()
                }
            }
            var readyAfter: Duration?
            var admittedAfter: Duration?
            var admittedSinceReady = 0
            var refusedBeforeReady: [String] = []
            var refusedAfterReady: [String] = []
            while ContinuousClock.now - started < .seconds(60), admittedSinceReady < 20 {
                let readiness = try ExternalTool.run(curl, ["-sk", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:\(port)/readyz"])
                if readiness.output == "200", readyAfter == nil { readyAfter = ContinuousClock.now - started }
                let applied = try sandbox.kubectl(["apply", "--dry-run=server", "-f", "-"], stdin: probe)
                if applied.status == 0 {
                    if admittedAfter == nil { admittedAfter = ContinuousClock.now - started }
                    if readyAfter != nil { admittedSinceReady += 1 }
                } else if readyAfter == nil {
                    refusedBeforeReady.append(applied.error)
                } else {
                    refusedAfterReady.append(applied.error)
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            try #require(readyAfter != nil, "\(round): /readyz never answered: \(controller.output.suffix(1500))")
            #expect(refusedAfterReady.isEmpty, "\(round): refused after /readyz answered: \(refusedAfterReady.prefix(3))")
            #expect(admittedSinceReady == 20)
            for refusal in refusedBeforeReady {
                #expect(refusal.contains("failed calling webhook") && refusal.contains("cnpg.io"), "\(round): \(refusal)")
            }
            print(
                "webhook \(round): /readyz OK after \(readyAfter!), first apply admitted after \(admittedAfter.map { "\($0)" } ?? "never"), "
                    + "\(refusedBeforeReady.count) applies refused before")
            let stop = await controller.stop()
            stopped = true
            #expect(stop == .exited(0), "\(round): \(stop)")
        }
    }
}
