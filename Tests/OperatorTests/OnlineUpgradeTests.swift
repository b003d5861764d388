import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES end to end: an operator restarted with an instance
/// manager that differs from the one the pods run publishes it in `status.availableArchitectures`
/// and sends it to each instance; every manager re-executes the new binary in its running
/// container, PostgreSQL never restarts, writes through -rw lose nothing, the cluster ends healthy.
/// Part of the serialized end-to-end suite: run beside the other clusters it would compete for the
/// machine (a CI run saw its writer unable to start while the suites' first minutes ran together).
extension ClusterLifecycleTests {
    @Test("an operator with another instance manager upgrades every instance in place while writes go on")
    func operatorUpgradesEveryInstanceManagerInPlace() async throws {
        // The operator's binary starts as the pods' own (the built manager), so nothing is upgraded.
        let directory = try TemporaryDirectory(prefix: "cnpg-upgrade")
        let binary = directory.url.appendingPathComponent("manager").path
        var bytes = try Data(contentsOf: BuiltProducts.executable("instance-manager"))
        try bytes.write(to: URL(fileURLWithPath: binary))
        chmod(binary, 0o755)
        let environment = ["ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES": "true", "INSTANCE_MANAGER_BINARY": binary]
        let fixture = try await ExampleClusterFixture.start(operatorEnvironment: environment)
        defer { fixture.tearDown() }
        let sandbox = fixture.sandbox
        let pods = (1...3).map { "cluster-example-\($0)" }
        let curl = try #require(ExternalTool.find("curl"))
        func reportedHashes() -> [String] {
            pods.map { pod in
                let ip = sandbox.jsonpath("pod/\(pod)", ".status.podIP")
                let status = try? ExternalTool.run(
                    curl, ["-sk", "--max-time", "5", "https://\(ip):8000/pg/status"], timeout: 10)
                return (try? JSONText.parse(status?.output ?? ""))?["executableHash"]?.stringValue ?? ""
            }
        }
        let original = sha256Hex(bytes)
        #expect(sandbox.jsonpath("cluster/cluster-example", ".status.availableArchitectures[0].hash") == original)
        #expect(reportedHashes() == [original, original, original])

        // An operator upgrade that ships another manager: writes through -rw go on meanwhile.
        let writer = try await ClusterLifecycleTests.startWrites(sandbox, binaries: fixture.binaries, host: fixture.readWrite, password: fixture.password)
        let upgradeStarted = ContinuousClock.now
        #expect(await fixture.stopOperator() == .exited(0))
        bytes.append(Data("\n# operator's manager \(UUID().uuidString)\n".utf8))
        try bytes.write(to: URL(fileURLWithPath: binary))
        let hash = sha256Hex(bytes)
        let kubeconfig = try await OperatorInstallation.install(on: sandbox)
        let upgrader = try OperatorProcess.withWebhooks(
            kubeconfig: kubeconfig, log: sandbox.directory.url.appendingPathComponent("operator-2.log").path,
            port: try #require(fixture.controller.webhookPort), environment: environment)
        defer {
            upgrader.killIfRunning()
        }
        var hashes: [String] = []
        let upgraded = await Eventually.check(within: 180) {
            hashes = reportedHashes()
            return hashes == [hash, hash, hash] && fixture.isHealthy
        }
        #expect(upgraded, "\(hashes) \(fixture.status) \(upgrader.output.suffix(1500))")
        #expect(sandbox.jsonpath("cluster/cluster-example", ".status.availableArchitectures[0].hash") == hash)
        try await ClusterLifecycleTests.finishWrites(
            writer, since: upgradeStarted, scenario: "online upgrade of three instance managers", binaries: fixture.binaries,
            host: fixture.readWrite, password: fixture.password)

        let events = try sandbox.kubectl(["get", "events", "--field-selector", "reason=InstanceManagerUpgraded", "-o", "jsonpath={.items[*].message}"])
        for pod in pods {
            #expect(events.output.contains("Upgraded the instance manager of \(pod)"), "\(events.output)")
            #expect(sandbox.jsonpath("pod/\(pod)", ".status.containerStatuses[0].restartCount") == "0", "\(pod)'s container did not restart")
            let logs = fixture.logsOfEveryRun(of: pod)
            #expect(logs.contains("following the running postmaster"), "\(pod) re-executed and kept its PostgreSQL")
            #expect(logs.components(separatedBy: "\"postmaster started\"").count == 2, "\(pod) started PostgreSQL once")
        }
        let failures = try sandbox.kubectl(["get", "events", "--field-selector", "reason=InstanceManagerUpgradeFailed", "-o", "name"])
        #expect(failures.output.isEmpty, "\(failures.output)")
        #expect(await upgrader.stop() == .exited(0))
    }
}
