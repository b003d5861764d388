import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// `spec.postgresql.synchronous.failoverQuorum` on cluster-example (ANY 1 of two standbys): the
/// primary reports its synchronous replication in the FailoverQuorum object; with one standby
/// fenced a hung primary is not failed over (R=1 + W=1 is not more than N=2: the one standby left
/// might lack commits the fenced one confirmed), the Cluster and an event say why; with both
/// standbys ready a killed primary is failed over.
extension ClusterLifecycleTests {
    @Test("failover quorum: reported by the primary; no failover without R + W > N, a failover with it")
    func failoverQuorum() async throws {
        let cluster = try await ExampleClusterFixture.start()
        defer { cluster.tearDown() }
        let sandbox = cluster.sandbox
        let primary = cluster.currentPrimary
        let patched = try sandbox.kubectl([
            "patch", "cluster/cluster-example", "--type", "merge", "-p",
            #"{"spec":{"postgresql":{"synchronous":{"method":"any","number":1,"failoverQuorum":true}}}}"#,
        ])
        try #require(patched.status == 0, "\(patched.error)")
        let quorum = { (field: String) in sandbox.jsonpath("failoverquorum/cluster-example", ".status.\(field)") }
        let standbys = ["cluster-example-1", "cluster-example-2", "cluster-example-3"].filter { $0 != primary }
        let reported = await Eventually.check(within: 60) {
            quorum("primary") == primary && quorum("method") == "ANY" && quorum("standbyNumber") == "1"
                && quorum("standbyNames") == "[\"\(standbys[0])\",\"\(standbys[1])\"]"
        }
        try #require(reported, "\(sandbox.jsonpath("failoverquorum/cluster-example", ".status")) \(cluster.status)")
        #expect(sandbox.jsonpath("failoverquorum/cluster-example", ".metadata.ownerReferences[0].name") == "cluster-example")

        // One standby fenced: R=1, W=1, N=2. The primary hangs; no failover, and the Cluster says why.
        let fenced = standbys[1]
        #expect(try sandbox.kubectl(["annotate", "cluster", "cluster-example", "cnpg.io/fencedInstances=[\"\(fenced)\"]"]).status == 0)
        let notReady = await Eventually.check(within: 60) {
            sandbox.jsonpath("pod/\(fenced)", ".status.conditions[?(@.type==\"Ready\")].status") == "False"
        }
        try #require(notReady, "\(cluster.status)")
        let refusals = {
            (try? sandbox.kubectl(["get", "events", "-o", #"jsonpath={range .items[?(@.reason=="FailoverQuorumNotReached")]}{.message}{"\n"}{end}"#]).output)
                ?? ""
        }
        let container = try cluster.containerProcess(of: primary)
        #expect(ProcessTree.signal(SIGSTOP, tree: container) >= 2)
        var stopped = true
        defer { if stopped { ProcessTree.signal(SIGCONT, tree: container) } }
        let refused = await Eventually.check(within: 60) { refusals().contains("R=1 of N=2 synchronous standbys ready, W=1") }
        #expect(refused, "events: \(refusals()) status: \(cluster.status) operator: \(cluster.controller.output.suffix(2000))")
        #expect(sandbox.jsonpath("cluster/cluster-example", ".status.phaseReason").contains("no failover: quorum not reached"), "\(cluster.status)")
        try await Task.sleep(for: .seconds(5))
        #expect(cluster.currentPrimary == primary, "failed over without the quorum: \(cluster.status)")
        ProcessTree.signal(SIGCONT, tree: container)
        stopped = false

        // Both standbys ready again: R=2, W=1, N=2. A killed primary is failed over.
        #expect(try sandbox.kubectl(["annotate", "cluster", "cluster-example", "cnpg.io/fencedInstances-"]).status == 0)
        try #require(await Eventually.check(within: 90) { cluster.isHealthy }, "\(cluster.status)")
        try #require(
            await Eventually.check(within: 30) { quorum("primary") == primary && quorum("standbyNames").contains(fenced) },
            "\(sandbox.jsonpath("failoverquorum/cluster-example", ".status"))")
        kill(try cluster.containerProcess(of: primary), SIGKILL)
        let failedOver = await cluster.failedOver(from: primary, within: 90)
        #expect(failedOver, "status: \(cluster.status) operator: \(cluster.controller.output.suffix(2000))")
        let newPrimary = cluster.currentPrimary
        let handedOver = await Eventually.check(within: 60) { quorum("primary") == newPrimary && !quorum("standbyNames").contains(newPrimary) }
        #expect(handedOver, "the new primary reports: \(sandbox.jsonpath("failoverquorum/cluster-example", ".status"))")
    }
}
