import CNPGCore
import Foundation
import Testing

/// CNPG's rollout coordinator: INSTANCES_ROLLOUT_DELAY within a cluster, CLUSTERS_ROLLOUT_DELAY across clusters.
@Suite struct RolloutCoordinatorTests {
    @Test("restarts are spaced by the instance delay within a cluster and the cluster delay across clusters")
    func spacing() {
        var coordinator = RolloutCoordinator(clustersDelay: 60, instancesDelay: 10)
        let start = Date(timeIntervalSince1970: 1_000_000)
        #expect(coordinator.coordinate(cluster: "ns/a", now: start) == .allowed)
        #expect(coordinator.coordinate(cluster: "ns/a", now: start.addingTimeInterval(4)) == .delayed(remaining: 6))
        #expect(coordinator.coordinate(cluster: "ns/b", now: start.addingTimeInterval(4)) == .delayed(remaining: 56))
        #expect(coordinator.coordinate(cluster: "ns/a", now: start.addingTimeInterval(10)) == .allowed)
        // A delayed request records nothing; an allowed one restarts the clock.
        #expect(coordinator.coordinate(cluster: "ns/b", now: start.addingTimeInterval(69)) == .delayed(remaining: 1))
        #expect(coordinator.coordinate(cluster: "ns/b", now: start.addingTimeInterval(70)) == .allowed)
        #expect(coordinator.lastCluster == "ns/b")
        var none = RolloutCoordinator(clustersDelay: 0, instancesDelay: 0)
        #expect(none.coordinate(cluster: "ns/a", now: start) == .allowed)
        #expect(none.coordinate(cluster: "ns/b", now: start) == .allowed)
    }

    @Test("the delays are whole seconds; anything else names the setting")
    func settings() {
        let set = OperatorConfiguration(settings: ["CLUSTERS_ROLLOUT_DELAY": "30", "INSTANCES_ROLLOUT_DELAY": " 5 "])
        #expect(set.clustersRolloutDelay == 30 && set.instancesRolloutDelay == 5 && set.invalidSettings.isEmpty)
        #expect(OperatorConfiguration(settings: [:]).clustersRolloutDelay == 0)
        let bad = OperatorConfiguration(settings: ["CLUSTERS_ROLLOUT_DELAY": "5m", "INSTANCES_ROLLOUT_DELAY": "-1"])
        #expect(bad.invalidSettings.count == 2)
        #expect(bad.invalidSettings.contains { $0.hasPrefix("CLUSTERS_ROLLOUT_DELAY:") })
    }

    @Test("a delayed restart sets phase Cluster upgrade delayed with CNPG's message; the step names the pod it restarts")
    func phase() throws {
        let cluster = try ReconcileDecisionTests.cluster(instances: 3, current: "cluster-example-1", latest: 3)
        let (observed, reports) = try RollingUpdateTests.threeInstances()
        var input = ClusterStatusBuilder.Input(cluster: cluster, observed: observed, reports: reports, action: .none)
        input.rolloutDelayed = ("cluster-example-3", 4.2)
        #expect(ClusterStatusBuilder.phase(for: input) == ("Cluster upgrade delayed", "Rollout of pod cluster-example-3 have been delayed for 5s"))
        #expect(RollingUpdatePlanner.Step.restartReplica(pod: "p", reason: "r").restartedPod == "p")
        #expect(RollingUpdatePlanner.Step.switchover(to: "t", from: "p", reason: "r").restartedPod == "p")
        #expect(RollingUpdatePlanner.Step.waitForUser(pod: "p", reason: "r").restartedPod == nil)
    }
}
