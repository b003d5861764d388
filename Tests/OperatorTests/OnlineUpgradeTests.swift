import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES end to end: an operator whose instance manager differs
/// from the one the pods run publishes it in `status.availableArchitectures` and sends it to each
/// instance; every manager re-executes the new binary in its running container, PostgreSQL never
/// restarts, and the cluster ends healthy.
@Suite(.serialized) struct OnlineUpgradeTests {
    @Test func operatorUpgradesEveryInstanceManagerInPlace() async throws {
        // The operator's binary: the built manager with bytes appended (the pods start with the built one).
        let directory = try TemporaryDirectory(prefix: "cnpg-upgrade")
        var bytes = try Data(contentsOf: BuiltProducts.executable("instance-manager"))
        bytes.append(Data("\n# operator's manager \(UUID().uuidString)\n".utf8))
        let binary = directory.url.appendingPathComponent("manager").path
        try bytes.write(to: URL(fileURLWithPath: binary))
        chmod(binary, 0o755)
        let hash = sha256Hex(bytes)

        let fixture = try await ExampleClusterFixture.start(
            operatorEnvironment: ["ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES": "true", "INSTANCE_MANAGER_BINARY": binary])
        defer { fixture.tearDown() }
        let sandbox = fixture.sandbox
        let pods = (1...3).map { "cluster-example-\($0)" }
        let published = sandbox.jsonpath("cluster/cluster-example", ".status.availableArchitectures[0].hash")
        #expect(published == hash, "the operator publishes its manager's hash")

        func reportedHashes() -> [String] {
            pods.map { pod in
                let ip = sandbox.jsonpath("pod/\(pod)", ".status.podIP")
                let status = try? ExternalTool.run(
                    URL(fileURLWithPath: "/usr/bin/curl"), ["-sk", "--max-time", "5", "https://\(ip):8000/pg/status"], timeout: 10)
                return (try? JSONText.parse(status?.output ?? ""))?["executableHash"]?.stringValue ?? ""
            }
        }
        var hashes: [String] = []
        let upgraded = await Eventually.check(within: 180) {
            hashes = reportedHashes()
            return hashes == [hash, hash, hash] && fixture.isHealthy
        }
        #expect(upgraded, "\(hashes) \(fixture.status) \(fixture.controller.output.suffix(1500))")

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
        #expect(await fixture.stopOperator() == .exited(0))
    }
}
