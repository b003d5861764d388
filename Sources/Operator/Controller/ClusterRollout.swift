import CNPGCore
import Foundation

/// The rolling update's side effects: pods deleted (to come back on their volumes), the restart
/// annotation carried to a primary restarted in place, events as CNPG records them.
extension ClusterReconciler {
    /// The pod this instance would be created with now.
    func desiredPod(_ cluster: Cluster, serial: Int) -> Pod {
        var cluster = cluster
        if cluster.status == nil { cluster.status = ClusterStatus() }
        return InstancePodBuilder.pod(for: cluster, serial: serial, configuration: configuration)
    }

    /// The `cnpg.io/podSpec` a pod of this instance would be created with now.
    func desiredPodSpec(_ cluster: Cluster, serial: Int) -> String? {
        desiredPod(cluster, serial: serial).metadata.annotations?[RollingUpdatePlanner.podSpecAnnotation]
    }

    func performRollout(_ step: RollingUpdatePlanner.Step, cluster: Cluster) async throws {
        let namespace = cluster.metadata.namespace ?? "default"
        switch step {
        case .none, .wait, .waitForUser:
            break
        case .restartReplica(let pod, let reason), .recreatePrimary(let pod, let reason):
            logger.info("rolling update: restarting an instance", metadata: ["pod": "\(pod)", "reason": "\(reason)"])
            await events.record(cluster, reason: "UpgradingInstance", message: "Upgrading instance \(pod)")
            try await client.delete(.pods, namespace: namespace, name: pod, propagation: .background)
        case .restartPrimaryInPlace(let pod, let reason):
            logger.info("rolling update: restarting the primary in place", metadata: ["pod": "\(pod)", "reason": "\(reason)"])
            if let requested = cluster.metadata.annotation(RollingUpdatePlanner.restartedAtAnnotation) {
                let patch: JSONValue = .object([
                    ("metadata", .object([("annotations", .object([(RollingUpdatePlanner.restartedAtAnnotation, .string(requested))]))]))
                ])
                _ = try await client.patch(.pods, namespace: namespace, name: pod, patch, patchType: .merge, subresource: nil, fieldManager: nil)
            }
            await events.record(cluster, reason: "InplacePrimaryRestart", message: "Restarting the primary instance \(pod) in place: \(reason)")
        case .switchover(let target, let primary, _):
            await events.record(cluster, reason: "Switchover", message: "Initiating switchover to \(target) to upgrade \(primary)")
        }
    }
}

extension ClusterReconciler {
    /// CNPG's online upgrade of one instance's manager: the operator's binary over `PUT /update`.
    func upgradeManager(
        _ step: ManagerUpgrade.Step, cluster: Cluster, observed: ObservedInstances, binary: ManagerUpgrade.Binary, caPEM: String?
    ) async throws {
        switch step {
        case .none:
            return
        case .missingArchitecture(let pod, let architecture):
            logger.warning(
                "online upgrade: no instance manager for the instance's architecture", metadata: ["pod": "\(pod)", "architecture": "\(architecture)"])
        case .upgrade(let pod):
            guard let serial = observed.serial(of: pod), let ip = observed.pod(serial: serial)?["status"]?["podIP"]?.stringValue else { return }
            logger.info("online upgrade: sending the instance manager", metadata: ["pod": "\(pod)", "executableHash": "\(binary.hash)"])
            do {
                try await statuses.upgradeManager(ip: ip, caPEM: caPEM, binaryPath: binary.path)
                await events.record(cluster, reason: "InstanceManagerUpgraded", message: "Upgraded the instance manager of \(pod)")
            } catch {
                logger.warning("online upgrade failed", metadata: ["pod": "\(pod)", "error": "\(error)"])
                await events.record(
                    cluster, reason: "InstanceManagerUpgradeFailed", message: "Error while upgrading the instance manager of \(pod): \(error)", warning: true)
            }
        }
    }
}

/// The operator's one rollout coordinator, shared by every cluster's passes.
actor RolloutCoordination {
    private var coordinator = RolloutCoordinator(clustersDelay: 0, instancesDelay: 0)

    func coordinate(cluster: String, configuration: OperatorConfiguration, now: Date = Date()) -> RolloutCoordinator.Decision {
        coordinator.clustersDelay = configuration.clustersRolloutDelay
        coordinator.instancesDelay = configuration.instancesRolloutDelay
        return coordinator.coordinate(cluster: cluster, now: now)
    }
}
