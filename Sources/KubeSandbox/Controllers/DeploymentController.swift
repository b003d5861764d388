import CNPGCore
import Foundation
import Logging

/// Deployments, scaled down: pods are created from the template straight under the Deployment (no
/// ReplicaSet), labelled `pod-template-hash`; a changed template rolls out by starting the new pods
/// and removing the old ones once the new ones are ready; status as `kubectl rollout status` and
/// helm read it.
actor DeploymentController {
    let client: LoopbackKubeClient
    let logger: Logger
    /// Deployments being reconciled, and those that changed meanwhile (actor calls interleave at
    /// each await; two passes at once would both create the missing pods).
    var running: Set<String> = []
    var dirty: Set<String> = []

    init(client: LoopbackKubeClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// A short stable hash of the pod template (FNV-1a over its JSON), as the label value.
    static func templateHash(_ template: JSONValue) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in JSONText.serialize(template).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var text = ""
        for _ in 0..<10 {
            text.append(alphabet[Int(hash % UInt64(alphabet.count))])
            hash /= UInt64(alphabet.count)
        }
        return text
    }

    /// What to do about one Deployment's pods.
    struct Plan: Equatable {
        var create = 0
        var delete: [String] = []
        var status: [String: Int] = [:]
    }

    static func plan(replicas: Int, hash: String, pods: [JSONValue]) -> Plan {
        let live = pods.filter { $0["metadata"]?["deletionTimestamp"] == nil && !["Succeeded", "Failed"].contains($0["status"]?["phase"]?.stringValue ?? "") }
        let current = live.filter { $0["metadata"]?["labels"]?["pod-template-hash"]?.stringValue == hash }
        let old = live.filter { $0["metadata"]?["labels"]?["pod-template-hash"]?.stringValue != hash }
        let currentReady = current.filter(PodReadiness.isReady).count
        var plan = Plan()
        plan.create = max(0, replicas - current.count)
        func name(_ pod: JSONValue) -> String { pod["metadata"]?["name"]?.stringValue ?? "" }
        // Surplus pods of the current template go newest first; finished pods are cleaned up.
        plan.delete = current.dropFirst(replicas).map(name)
        plan.delete += pods.filter { ["Succeeded", "Failed"].contains($0["status"]?["phase"]?.stringValue ?? "") }.map(name)
        if currentReady >= replicas { plan.delete += old.map(name) }
        let ready = live.filter(PodReadiness.isReady).count
        plan.status = [
            "replicas": live.count, "updatedReplicas": current.count, "readyReplicas": ready,
            "availableReplicas": ready, "unavailableReplicas": max(0, replicas - ready),
        ]
        return plan
    }

    func reconcile(_ deployment: JSONValue) async {
        guard let namespace = deployment["metadata"]?["namespace"]?.stringValue, let name = deployment["metadata"]?["name"]?.stringValue,
            let uid = deployment["metadata"]?["uid"]?.stringValue, deployment["metadata"]?["deletionTimestamp"] == nil
        else { return }
        guard running.insert(uid).inserted else {
            dirty.insert(uid)
            return
        }
        await pass(deployment, namespace: namespace, name: name, uid: uid)
        running.remove(uid)
        if dirty.remove(uid) != nil, let latest = try? await client.get(.deployments, namespace: namespace, name: name) {
            await reconcile(latest)
        }
    }

    func pass(_ deployment: JSONValue, namespace: String, name: String, uid: String) async {
        let template = deployment["spec"]?["template"] ?? .object([])
        let hash = Self.templateHash(template)
        let replicas = Int(deployment["spec"]?["replicas"]?.intValue ?? 1)
        guard let pods = try? await client.list(.pods, namespace: namespace, labelSelector: nil, fieldSelector: nil) else { return }
        let owned = pods.items.filter { pod in
            pod["metadata"]?["ownerReferences"]?.arrayValue?.contains { $0["uid"]?.stringValue == uid } == true
        }
        let plan = Self.plan(replicas: replicas, hash: hash, pods: owned)
        for _ in 0..<plan.create { await createPod(template, hash: hash, namespace: namespace, name: name, uid: uid) }
        for pod in plan.delete {
            do { try await client.delete(.pods, namespace: namespace, name: pod, propagation: .background) } catch {
                logger.debug("cannot delete pod \(namespace)/\(pod) of deployment \(name): \(error)")
            }
        }
        await writeStatus(deployment, plan: plan, replicas: replicas, namespace: namespace, name: name)
    }

    func writeStatus(_ deployment: JSONValue, plan: Plan, replicas: Int, namespace: String, name: String) async {
        let available = (plan.status["availableReplicas"] ?? 0) >= replicas
        let complete = available && (plan.status["updatedReplicas"] ?? 0) >= replicas && plan.status["replicas"] == replicas
        let previous = deployment["status"] ?? .object([])
        let now = ObjectStore.timestamp(Date())
        func condition(_ type: String, _ status: Bool, _ reason: String, _ message: String) -> JSONValue {
            let existing = previous["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
            let unchanged = existing?["status"]?.stringValue == (status ? "True" : "False") && existing?["reason"]?.stringValue == reason
            return .object([
                ("type", .string(type)), ("status", .string(status ? "True" : "False")), ("reason", .string(reason)),
                ("message", .string(message)),
                ("lastUpdateTime", unchanged ? existing?["lastUpdateTime"] ?? .string(now) : .string(now)),
                ("lastTransitionTime", unchanged ? existing?["lastTransitionTime"] ?? .string(now) : .string(now)),
            ])
        }
        var status: [(String, JSONValue)] = [("observedGeneration", deployment["metadata"]?["generation"] ?? .int(1))]
        for key in ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"] {
            status.append((key, .int(Int64(plan.status[key] ?? 0))))
        }
        status.append(
            (
                "conditions",
                .array([
                    condition(
                        "Available", available, available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                        available ? "Deployment has minimum availability." : "Deployment does not have minimum availability."),
                    condition(
                        "Progressing", true, complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                        complete ? "Deployment \"\(name)\" has successfully progressed." : "Deployment \"\(name)\" is progressing."),
                ])
            ))
        let next = JSONValue.object(status)
        let comparable = { (value: JSONValue) -> [JSONValue] in
            ["observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"].map { value[$0] ?? .null }
                + (value["conditions"]?.arrayValue ?? []).map { [$0["type"] ?? .null, $0["status"] ?? .null, $0["reason"] ?? .null] }.map(JSONValue.array)
        }
        guard comparable(next) != comparable(previous) else { return }
        do {
            _ = try await client.patch(
                .deployments, namespace: namespace, name: name, .object([("status", next)]), patchType: .merge,
                subresource: "status", fieldManager: nil)
        } catch {
            logger.debug("cannot write deployment status \(namespace)/\(name): \(error)")
        }
    }

    func createPod(_ template: JSONValue, hash: String, namespace: String, name: String, uid: String) async {
        let pod = PodTemplate.pod(
            from: template, generateName: "\(name)-\(hash)-", namespace: namespace, labels: [("pod-template-hash", hash)],
            ownerAPIVersion: "apps/v1", ownerKind: "Deployment", ownerName: name, ownerUID: uid)
        do {
            _ = try await client.create(.pods, namespace: namespace, pod)
        } catch {
            logger.warning("cannot create a pod for deployment \(namespace)/\(name): \(error)")
        }
    }
}
