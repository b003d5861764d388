import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// `spec.failoverDelay`: a primary that stops answering is given that long to come back. A hang
/// shorter than the delay costs no failover (the failing-since mark is set, then cleared); a
/// longer one fails over, but not before the delay has passed.
extension ClusterLifecycleTests {
    @Test("failoverDelay 40 s: a short hang of the primary fails nothing over; a long one fails over only after the delay")
    func failoverDelay() async throws {
        let cluster = try await ExampleClusterFixture.start()
        defer { cluster.tearDown() }
        let sandbox = cluster.sandbox
        let patched = try sandbox.kubectl(["patch", "cluster/cluster-example", "--type", "merge", "-p", #"{"spec":{"failoverDelay":40}}"#])
        try #require(patched.status == 0, "\(patched.error)")
        let primary = cluster.currentPrimary
        let failingSince = { sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimaryFailingSinceTimestamp") }
        let failovers = {
            (try? sandbox.kubectl(["get", "events", "-o", #"jsonpath={range .items[?(@.reason=="FailingOver")]}{.message}{"\n"}{end}"#]).output) ?? ""
        }

        // A short hang: noticed, waited out, forgotten.
        let container = try cluster.containerProcess(of: primary)
        #expect(ProcessTree.signal(SIGSTOP, tree: container) >= 2)
        var stopped = true
        defer { if stopped { ProcessTree.signal(SIGCONT, tree: container) } }
        let noticed = await Eventually.check(within: 40) { !failingSince().isEmpty }
        ProcessTree.signal(SIGCONT, tree: container)
        stopped = false
        try #require(noticed, "the operator never marked the primary failing: \(cluster.status)")
        #expect(await Eventually.check(within: 40) { failingSince().isEmpty }, "the mark stays after the primary came back: \(cluster.status)")
        #expect(cluster.currentPrimary == primary && failovers().isEmpty, "a hang shorter than the delay failed over: \(failovers())")
        try #require(await Eventually.check(within: 60) { cluster.isHealthy }, "\(cluster.status)")

        // A long hang: the failover comes, but only once the delay has passed since the mark.
        let again = try cluster.containerProcess(of: primary)
        #expect(ProcessTree.signal(SIGSTOP, tree: again) >= 2)
        defer { ProcessTree.signal(SIGCONT, tree: again) }
        try #require(await Eventually.check(within: 40) { !failingSince().isEmpty }, "\(cluster.status)")
        let markedAt = ContinuousClock.now
        try await Task.sleep(for: .seconds(25))
        #expect(cluster.currentPrimary == primary && failovers().isEmpty, "failed over 25 s into a 40 s delay: \(failovers())")
        let failedOver = await cluster.failedOver(from: primary, within: 90)
        try #require(failedOver, "status: \(cluster.status) operator: \(cluster.controller.output.suffix(1500))")
        print(String(format: "failoverDelay 40 s: failed over %.1f s after the primary was marked failing", (ContinuousClock.now - markedAt).secondsValue))
        #expect(failingSince().isEmpty, "the mark stays after the failover")
        // The old primary wakes up and steps down: one primary. (Its rejoin after a hang this long
        // once took over 120 s in three runs; hungPrimary covers the rejoin after a short hang.)
        ProcessTree.signal(SIGCONT, tree: again)
        let newPrimary = cluster.currentPrimary
        #expect(
            await Eventually.check(within: 60) { (try? cluster.instancesRunningAsPrimary()) == [newPrimary] },
            "old primary \(primary): \(cluster.logsOfEveryRun(of: primary).suffix(3000))")
        #expect(await cluster.stopOperator() == .exited(0))
    }
}
