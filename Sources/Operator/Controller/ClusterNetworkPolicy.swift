import CNPGCore
import Foundation

/// The managed NetworkPolicy `<cluster>` (opt-in: `MANAGE_NETWORK_POLICIES` or the Cluster
/// annotation `cnpg.io/networkPolicy`).
extension ClusterReconciler {
    func ensureNetworkPolicy(_ cluster: Cluster) async throws {
        let namespace = cluster.metadata.namespace ?? "default"
        guard NetworkPolicyBuilder.isManaged(cluster, operatorDefault: configuration.manageNetworkPolicies) else {
            // Only an explicit `unmanaged` removes one: without the opt-in the operator may not even read policies.
            if cluster.metadata.annotation(NetworkPolicyBuilder.annotation) == "unmanaged" { await removeNetworkPolicy(cluster) }
            return
        }
        var options = NetworkPolicyBuilder.Options()
        options.operatorNamespace = operatorNamespace
        options.apiServerAddresses = await apiServerAddresses()
        let desired = ObjectCodec.encode(NetworkPolicyBuilder.policy(for: cluster, options: options))
        if try await sync.ensure(.networkPolicies, namespace: namespace, desired, update: ObjectSync.replacing(["spec"], from: desired)) == .created {
            await events.record(cluster, reason: "CreatingNetworkPolicy", message: "Creating NetworkPolicy \(cluster.metadata.name ?? "")")
        }
    }

    /// The API server's addresses, from the EndpointSlices of Service `default/kubernetes` (what
    /// its connections to pods come from, for `pods/proxy`).
    func apiServerAddresses() async -> [String] {
        guard
            let slices = try? await client.list(
                .endpointSlices, namespace: "default", labelSelector: "kubernetes.io/service-name=kubernetes",
                fieldSelector: nil)
        else { return [] }
        let addresses = slices.items.flatMap { slice in
            (slice["endpoints"]?.arrayValue ?? []).flatMap { $0["addresses"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        }
        return Array(Set(addresses)).sorted()
    }

    func removeNetworkPolicy(_ cluster: Cluster) async {
        let namespace = cluster.metadata.namespace ?? "default"
        let name = cluster.metadata.name ?? ""
        guard let policy = try? await client.get(.networkPolicies, namespace: namespace, name: name),
            (policy["metadata"]?["ownerReferences"]?.arrayValue ?? []).contains(where: { $0["uid"]?.stringValue == cluster.metadata.uid })
        else { return }
        do {
            try await client.delete(.networkPolicies, namespace: namespace, name: name, propagation: .background)
            await events.record(cluster, reason: "DeletingNetworkPolicy", message: "Deleting NetworkPolicy \(name): the Cluster is annotated unmanaged")
        } catch {
            logger.warning("could not delete the managed network policy", metadata: ["cluster": "\(namespace)/\(name)", "error": "\(error)"])
        }
    }
}
