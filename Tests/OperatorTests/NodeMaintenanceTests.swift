import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// `spec.nodeMaintenanceWindow` while the node is cordoned (the sandbox has one node: a cordoned
/// node takes no new pod, which stays Pending with PodScheduled False, Unschedulable) and a
/// standby's pod is drained (deleted). With `reusePVC: true` the operator waits and the instance
/// comes back on its own volume once the node is uncordoned; with `reusePVC: false` the
/// unschedulable pod and its PVCs are deleted (events DeletePod, DeletePVCs) and a new replica
/// takes its place.
extension ClusterLifecycleTests {
    @Test("node maintenance: reusePVC waits for the node and keeps the volume; reusePVC false recreates the instance")
    func nodeMaintenanceWindow() async throws {
        let binaries = try PostgresServer.findBinaries()
        let running = try await OperatorOnSandbox.start()
        defer {
            _ = try? running.sandbox.kubectl(["uncordon", "sandbox"])
            running.tearDown()
        }
        let (sandbox, controller) = (running.sandbox, running.controller)
        try Self.apply(sandbox, instances: 2)
        let cluster = "cluster/cluster-example"
        let healthy = { (instances: [String]) in Self.isHealthy(sandbox, instances: instances) }
        try #require(
            await Eventually.check(within: 180) { healthy(["cluster-example-1", "cluster-example-2"]) },
            "status: \(sandbox.jsonpath(cluster, ".status")) operator: \(controller.output.suffix(2000))")
        let password = sandbox.secretValue("cluster-example-app", "password")
        let readWrite = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        #expect(try PSQL.run(binaries, host: readWrite, password: password, "CREATE TABLE kept AS SELECT g FROM generate_series(1, 100) g").status == 0)
        let maintenance = { (reusePVC: Bool) in
            try sandbox.kubectl([
                "patch", cluster, "--type", "merge", "-p", #"{"spec":{"nodeMaintenanceWindow":{"inProgress":true,"reusePVC":\#(reusePVC)}}}"#,
            ])
        }
        let unschedulable = { (pod: String) in
            sandbox.jsonpath("pod/\(pod)", ".status.conditions[?(@.type==\"PodScheduled\")].reason") == "Unschedulable"
        }

        // reusePVC: the drained standby's pod waits, unschedulable, for the node; then it is back on its volume.
        #expect(try maintenance(true).status == 0)
        let volume = sandbox.jsonpath("pvc/cluster-example-2", ".metadata.uid")
        #expect(try sandbox.kubectl(["cordon", "sandbox"]).status == 0)
        #expect(try sandbox.kubectl(["delete", "pod", "cluster-example-2"]).status == 0)
        let waiting = await Eventually.check(within: 60) { unschedulable("cluster-example-2") }
        #expect(waiting, "\(sandbox.jsonpath("pod/cluster-example-2", ".status"))")
        try await Task.sleep(for: .seconds(5))
        #expect(sandbox.jsonpath("pvc/cluster-example-2", ".metadata.uid") == volume, "the volume is kept")
        #expect(try sandbox.kubectl(["uncordon", "sandbox"]).status == 0)
        let back = await Eventually.check(within: 120) { healthy(["cluster-example-1", "cluster-example-2"]) }
        #expect(back, "status: \(sandbox.jsonpath(cluster, ".status"))")
        #expect(sandbox.jsonpath("pvc/cluster-example-2", ".metadata.uid") == volume)

        // reusePVC false: the unschedulable pod and its PVCs go; cluster-example-3 replaces it once the node is back.
        #expect(try maintenance(false).status == 0)
        #expect(try sandbox.kubectl(["cordon", "sandbox"]).status == 0)
        #expect(try sandbox.kubectl(["delete", "pod", "cluster-example-2"]).status == 0)
        let reasons = {
            (try? sandbox.kubectl([
                "get", "events", "--field-selector", "involvedObject.name=cluster-example", "-o", "jsonpath={.items[*].reason}",
            ]).output) ?? ""
        }
        let recreated = await Eventually.check(within: 90) {
            reasons().contains("DeletePod") && reasons().contains("DeletePVCs")
                && (try? sandbox.kubectl(["get", "pvc", "cluster-example-2"]).status) != 0
        }
        #expect(recreated, "\(reasons()) \(controller.output.suffix(2000))")
        #expect(try sandbox.kubectl(["uncordon", "sandbox"]).status == 0)
        let replaced = await Eventually.check(within: 180) { healthy(["cluster-example-1", "cluster-example-3"]) }
        #expect(replaced, "status: \(sandbox.jsonpath(cluster, ".status")) operator: \(controller.output.suffix(2000))")
        let replica = sandbox.jsonpath("pod/cluster-example-3", ".status.podIP")
        let streamed = await Eventually.check(within: 30) {
            (try? PSQL.run(binaries, host: replica, password: password, "SELECT count(*) FROM kept").output) == "100\n"
        }
        #expect(streamed, "the new replica has the primary's rows")
        #expect(sandbox.jsonpath(cluster, ".status.currentPrimary") == "cluster-example-1")
    }
}
