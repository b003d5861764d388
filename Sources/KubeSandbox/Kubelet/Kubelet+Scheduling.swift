import CNPGCore
import Foundation

/// The scheduler's part for the one node: a cordoned node (`kubectl cordon`, `spec.unschedulable`)
/// takes no new pod, unless the pod tolerates `node.kubernetes.io/unschedulable`. Such a pod stays
/// Pending, unbound, with condition PodScheduled False (reason Unschedulable) as the scheduler
/// writes it, and is bound once the node is uncordoned. Running pods are not touched (a drain
/// deletes or evicts them).
extension Kubelet {
    static let unschedulableTaint = "node.kubernetes.io/unschedulable"

    static func toleratesUnschedulable(_ pod: JSONValue) -> Bool {
        (pod["spec"]?["tolerations"]?.arrayValue ?? []).contains { toleration in
            let key = toleration["key"]?.stringValue ?? ""
            let exists = toleration["operator"]?.stringValue == "Exists"
            return (key == unschedulableTaint || (key.isEmpty && exists)) && (toleration["effect"]?.stringValue ?? "NoSchedule") == "NoSchedule"
        }
    }

    /// Binds the pod, or leaves it Pending while the node is cordoned.
    func schedule(_ pod: JSONValue, namespace: String, name: String) async {
        guard nodeUnschedulable, !Self.toleratesUnschedulable(pod) else {
            await bind(namespace: namespace, name: name)
            return
        }
        let marked = (pod["status"]?["conditions"]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "PodScheduled" && $0["reason"]?.stringValue == "Unschedulable"
        }
        guard !marked else { return }
        let condition: JSONValue = .object([
            ("type", .string("PodScheduled")), ("status", .string("False")), ("lastProbeTime", .null),
            ("lastTransitionTime", .string(ObjectStore.timestamp(Date()))), ("reason", .string("Unschedulable")),
            (
                "message",
                .string(
                    "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")
            ),
        ])
        let status: JSONValue = .object([("phase", .string("Pending")), ("conditions", .array([condition]))])
        do {
            _ = try await client.patch(
                .pods, namespace: namespace, name: name, .object([("status", status)]), patchType: .merge, subresource: "status", fieldManager: nil)
            logger.info("pod unschedulable: the node is cordoned", metadata: ["pod": "\(namespace)/\(name)"])
        } catch {
            logger.debug("cannot mark pod \(namespace)/\(name) unschedulable: \(error)")
        }
    }

    /// The node was cordoned or uncordoned; once uncordoned, the pods left Pending are bound.
    func nodeChanged(_ node: JSONValue) async {
        guard node["metadata"]?["name"]?.stringValue == configuration.nodeName else { return }
        let unschedulable = node["spec"]?["unschedulable"] == .bool(true)
        guard unschedulable != nodeUnschedulable else { return }
        nodeUnschedulable = unschedulable
        logger.info(unschedulable ? "node cordoned: new pods stay Pending" : "node uncordoned: Pending pods are scheduled")
        guard !unschedulable, let pods = try? await client.list(.pods, namespace: nil, labelSelector: nil, fieldSelector: nil) else { return }
        for pod in pods.items where (pod["spec"]?["nodeName"]?.stringValue ?? "").isEmpty && pod["metadata"]?["deletionTimestamp"] == nil {
            guard let name = pod["metadata"]?["name"]?.stringValue else { continue }
            await bind(namespace: pod["metadata"]?["namespace"]?.stringValue ?? "default", name: name)
        }
    }
}
