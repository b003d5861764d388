import CNPGCore
import Foundation
import Testing

/// Which instance the operator sends its manager next (ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES).
@Suite struct OnlineUpgradePlanTests {
    typealias Fixture = ReconcileDecisionTests
    let binary = ManagerUpgrade.Binary(path: "/manager", architecture: "amd64", hash: "new")

    func cluster(publishing: [AvailableArchitecture]?, fenced: String? = nil) throws -> Cluster {
        var cluster = try Fixture.cluster(instances: 3, current: "cluster-example-1", latest: 3)
        cluster.status?.availableArchitectures = publishing
        if let fenced { cluster.metadata.annotations = [FencedInstances.annotation: "[\"\(fenced)\"]"] }
        return cluster
    }

    func reports(hashes: [Int: String]) -> [String: InstanceStatus] {
        var result: [String: InstanceStatus] = [:]
        for serial in 1...3 {
            var report = RollingUpdateTests.report(primary: serial == 1, replayed: "0/3000000")
            report.executableHash = hashes[serial] ?? "new"
            report.instanceArch = "amd64"
            result["cluster-example-\(serial)"] = report
        }
        return result
    }

    @Test("replicas first, the primary last, one at a time, and only once the hash is published")
    func order() throws {
        let (observed, _) = try RollingUpdateTests.threeInstances()
        let published = try cluster(publishing: [binary.published])
        let old = reports(hashes: [1: "old", 2: "old", 3: "old"])
        #expect(ManagerUpgrade.next(cluster: published, observed: observed, reports: old, binary: binary) == .upgrade(pod: "cluster-example-2"))
        #expect(
            ManagerUpgrade.next(cluster: published, observed: observed, reports: reports(hashes: [1: "old", 3: "old"]), binary: binary)
                == .upgrade(pod: "cluster-example-3"))
        #expect(
            ManagerUpgrade.next(cluster: published, observed: observed, reports: reports(hashes: [1: "old"]), binary: binary)
                == .upgrade(pod: "cluster-example-1"))
        #expect(ManagerUpgrade.next(cluster: published, observed: observed, reports: reports(hashes: [:]), binary: binary) == .none)
        #expect(ManagerUpgrade.next(cluster: try cluster(publishing: nil), observed: observed, reports: old, binary: binary) == .none)
        let otherHash = try cluster(publishing: [.init(goArch: "amd64", hash: "older")])
        #expect(ManagerUpgrade.next(cluster: otherHash, observed: observed, reports: old, binary: binary) == .none)
    }

    @Test("fenced, unavailable, upgrading, silent or hashless instances are left alone; another architecture is reported")
    func skipped() throws {
        let (observed, _) = try RollingUpdateTests.threeInstances()
        let fenced = try cluster(publishing: [binary.published], fenced: "cluster-example-2")
        var old = reports(hashes: [2: "old"])
        #expect(ManagerUpgrade.next(cluster: fenced, observed: observed, reports: old, binary: binary) == .none)
        let published = try cluster(publishing: [binary.published])
        old["cluster-example-2"]?.mightBeUnavailable = true
        #expect(ManagerUpgrade.next(cluster: published, observed: observed, reports: old, binary: binary) == .none)
        old = reports(hashes: [2: "old"])
        old["cluster-example-2"]?.isInstanceManagerUpgrading = true
        #expect(ManagerUpgrade.next(cluster: published, observed: observed, reports: old, binary: binary) == .none)
        #expect(ManagerUpgrade.next(cluster: published, observed: observed, reports: reports(hashes: [2: ""]), binary: binary) == .none)
        old = reports(hashes: [2: "old"])
        old["cluster-example-2"] = nil
        #expect(ManagerUpgrade.next(cluster: published, observed: observed, reports: old, binary: binary) == .none)
        old = reports(hashes: [2: "old"])
        old["cluster-example-2"]?.instanceArch = "arm64"
        let step = ManagerUpgrade.next(cluster: published, observed: observed, reports: old, binary: binary)
        #expect(step == .missingArchitecture(pod: "cluster-example-2", architecture: "arm64"))
        var input = ClusterStatusBuilder.Input(cluster: published, observed: observed, reports: old, action: .none)
        input.managerUpgrade = step
        #expect(ClusterStatusBuilder.phase(for: input).phase == ManagerUpgrade.missingArchitecturePhase)
        input.managerUpgrade = .upgrade(pod: "cluster-example-3")
        #expect(ClusterStatusBuilder.phase(for: input) == (ManagerUpgrade.phase, "Upgrading the instance manager of cluster-example-3"))
    }

    @Test("the settings: off by default, the binary at CNPG's /manager unless INSTANCE_MANAGER_BINARY says")
    func settings() {
        #expect(!OperatorConfiguration(settings: [:]).instanceManagerInplaceUpdates)
        #expect(OperatorConfiguration(settings: [:]).instanceManagerBinary == "/manager")
        let set = OperatorConfiguration(settings: ["ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES": "TRUE", "INSTANCE_MANAGER_BINARY": "/opt/manager"])
        #expect(set.instanceManagerInplaceUpdates && set.instanceManagerBinary == "/opt/manager")
    }
}

extension OnlineUpgradePlanTests {
    @Test("with online upgrades a new operator image in the bootstrap-controller alone does not roll a pod out")
    func bootstrapImageIgnored() throws {
        var cluster = try Fixture.cluster(instances: 1, current: "cluster-example-1", latest: 1)
        var configuration = OperatorConfiguration()
        configuration.operatorImageName = "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0"
        let running = try #require(InstancePodBuilder.pod(for: cluster, serial: 1, configuration: configuration).metadata.annotations?["cnpg.io/podSpec"])
        configuration.operatorImageName = "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.1"
        let newOperator = try #require(InstancePodBuilder.pod(for: cluster, serial: 1, configuration: configuration).metadata.annotations?["cnpg.io/podSpec"])
        #expect(newOperator != running)
        #expect(ManagerUpgrade.podSpecIgnoringBootstrapImage(desired: newOperator, current: running) == running)
        cluster.spec.imageName = "ghcr.io/cloudnative-pg/postgresql:16.4"
        let newImageToo = try #require(InstancePodBuilder.pod(for: cluster, serial: 1, configuration: configuration).metadata.annotations?["cnpg.io/podSpec"])
        #expect(ManagerUpgrade.podSpecIgnoringBootstrapImage(desired: newImageToo, current: running) == newImageToo, "any other change still counts")
        #expect(ManagerUpgrade.podSpecIgnoringBootstrapImage(desired: newOperator, current: nil) == newOperator)
    }
}
