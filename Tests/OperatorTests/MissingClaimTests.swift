import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// A PVC deleted from under an instance: while the standby runs, its WAL claim stays (the
/// pvc-protection finalizer) and the Cluster says it is being deleted (condition and Warning
/// event); once the standby's pod stops the claim is gone, the instance cannot start again, and
/// the operator replaces it with a new replica instead of leaving a pod Pending without a word.
extension ClusterLifecycleTests {
    @Test("a standby's deleted WAL claim: reported while it runs, the instance replaced once it stops, condition True again")
    func missingClaimReplacesTheInstance() async throws {
        let binaries = try PostgresServer.findBinaries()
        let running = try await OperatorOnSandbox.start()
        defer { running.tearDown() }
        let (sandbox, controller) = (running.sandbox, running.controller)
        try Self.applyWithSmallVolumes(sandbox, dataSize: "1Gi", walSize: "1Gi")
        let cluster = "cluster/cluster-example"
        let healthy = { (instances: [String]) in Self.isHealthy(sandbox, instances: instances) }
        try #require(
            await Eventually.check(within: 180) { healthy(["cluster-example-1", "cluster-example-2"]) },
            "status: \(sandbox.jsonpath(cluster, ".status")) operator: \(controller.output.suffix(2000))")
        #expect(sandbox.jsonpath(cluster, ".status.currentPrimary") == "cluster-example-1")
        let password = sandbox.secretValue("cluster-example-app", "password")
        let readWrite = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        let kept = try PSQL.run(binaries, host: readWrite, password: password, "CREATE TABLE kept AS SELECT g FROM generate_series(1, 100) g")
        #expect(kept.status == 0, "\(kept.error)")
        let condition = { (field: String) in
            sandbox.jsonpath(cluster, ".status.conditions[?(@.type==\"PersistentVolumeClaimsAvailable\")].\(field)")
        }
        #expect(condition("status").isEmpty, "a healthy Cluster has no such condition")

        // Deleted while the standby runs: the claim stays, the Cluster says so, the standby keeps streaming.
        #expect(try sandbox.kubectl(["delete", "pvc", "cluster-example-2-wal", "--wait=false"]).status == 0)
        let reported = await Eventually.check(within: 60) {
            condition("status") == "False" && condition("message").contains("cluster-example-2: PVC cluster-example-2-wal is being deleted")
        }
        #expect(reported, "\(sandbox.jsonpath(cluster, ".status.conditions"))")
        let warnings = {
            (try? sandbox.kubectl([
                "get", "events", "--field-selector", "involvedObject.name=cluster-example,reason=MissingPVC", "-o", "jsonpath={.items[*].message}",
            ]).output) ?? ""
        }
        #expect(warnings().contains("cluster-example-2-wal is being deleted"), "\(warnings())")
        #expect(sandbox.jsonpath("pod/cluster-example-2", ".status.conditions[?(@.type==\"Ready\")].status") == "True")

        // The standby's pod stops: the claim goes, and the instance is replaced by cluster-example-3.
        #expect(try sandbox.kubectl(["delete", "pod", "cluster-example-2", "--wait=false"]).status == 0)
        let replaced = await Eventually.check(within: 180) { healthy(["cluster-example-1", "cluster-example-3"]) }
        #expect(replaced, "status: \(sandbox.jsonpath(cluster, ".status")) operator: \(controller.output.suffix(3000))")
        #expect(warnings().contains("cluster-example-2-wal not found"), "\(warnings())")
        let leftovers = try sandbox.kubectl(["get", "pvc", "-o", "name"]).output.split(separator: "\n").map(String.init).sorted()
        #expect(
            leftovers == [
                "persistentvolumeclaim/cluster-example-1", "persistentvolumeclaim/cluster-example-1-wal",
                "persistentvolumeclaim/cluster-example-3", "persistentvolumeclaim/cluster-example-3-wal",
            ], "the old instance's data claim went with it")
        let settled = await Eventually.check(within: 60) { condition("status") == "True" }
        #expect(settled, "\(sandbox.jsonpath(cluster, ".status.conditions"))")
        #expect(sandbox.jsonpath(cluster, ".status.currentPrimary") == "cluster-example-1", "nothing failed over")
        let replica = sandbox.jsonpath("pod/cluster-example-3", ".status.podIP")
        let streamed = await Eventually.check(within: 30) {
            (try? PSQL.run(binaries, host: replica, password: password, "SELECT count(*) FROM kept").output) == "100\n"
        }
        #expect(streamed, "the new replica has the primary's rows")
    }
}
