import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The managed NetworkPolicy (Cluster annotation `cnpg.io/networkPolicy: managed`): created with the
/// API server's address admitted on 8000, so `kubectl cnpg status` keeps reading every instance
/// through `pods/proxy`; the sandbox drops proxied connections a policy does not admit, which a
/// hand-written policy without that rule shows. `unmanaged` removes the operator's policy.
extension ClusterLifecycleTests {
    @Test("managed NetworkPolicy: only what the cluster needs, kubectl cnpg status keeps working; a policy without the API server breaks it")
    func managedNetworkPolicy() async throws {
        let running = try await OperatorOnSandbox.start(managingNetworkPolicies: true)
        defer { running.tearDown() }
        let (sandbox, controller) = (running.sandbox, running.controller)
        let applied = try sandbox.kubectl(
            ["apply", "-f", "-"],
            stdin: """
                apiVersion: postgresql.cnpg.io/v1
                kind: Cluster
                metadata:
                  name: cluster-example
                  annotations: {cnpg.io/networkPolicy: managed}
                spec:
                  instances: 2
                  smartShutdownTimeout: 5
                  storage: {size: 1Gi}
                """)
        try #require(applied.status == 0, "\(applied.error)")
        let cluster = "cluster/cluster-example"
        try #require(
            await Eventually.check(within: 180) {
                sandbox.jsonpath(cluster, ".status.readyInstances") == "2" && sandbox.jsonpath(cluster, ".status.phase") == "Cluster in healthy state"
            }, "status: \(sandbox.jsonpath(cluster, ".status")) operator: \(controller.output.suffix(2000))")

        let policy = try JSONText.parse(try sandbox.kubectl(["get", "networkpolicy", "cluster-example", "-o", "json"]).output)
        #expect(
            policy["spec"]?["podSelector"]?["matchLabels"]
                == .object([
                    ("cnpg.io/cluster", .string("cluster-example")),
                    ("cnpg.io/podRole", .string("instance")),
                ]))
        let rules = policy["spec"]?["ingress"]?.arrayValue ?? []
        let ports = rules.map { $0["ports"]?.arrayValue?.first?["port"]?.intValue ?? 0 }
        #expect(ports == [8000, 5432, 5432, 9187], "\(rules)")
        let statusPeers = rules.first?["from"]?.arrayValue ?? []
        #expect(statusPeers.contains { $0["ipBlock"]?["cidr"] == .string("127.0.0.1/32") }, "the API server is not admitted on 8000: \(statusPeers)")
        #expect(statusPeers.contains { $0["namespaceSelector"]?["matchLabels"]?["kubernetes.io/metadata.name"] == .string("cnpg-system") })
        #expect(policy["metadata"]?["ownerReferences"]?.arrayValue?.first?["kind"] == .string("Cluster"))

        let status = { try BuiltProducts.run("kubectl-cnpg", ["status", "cluster-example", "--kubeconfig", sandbox.kubeconfig]) }
        let rows = { (report: ExternalTool.Result) in report.output.split(separator: "\n").filter { $0.hasPrefix("cluster-example-") } }
        var report = try status()
        _ = await Eventually.check(within: 30) {
            report = (try? status()) ?? report
            return rows(report).filter { $0.contains(" OK ") }.count == 2
        }
        #expect(rows(report).filter { $0.contains("Primary") && $0.contains(" OK ") }.count == 1, "under the managed policy:\n\(report.output)")
        #expect(rows(report).filter { $0.contains("Standby (") && $0.contains(" OK ") }.count == 1, "\(report.output)")

        // Unmanaged: the operator removes its policy. A hand-written one that admits the operator
        // but not the API server (a common way to write it) cuts kubectl cnpg status off.
        let unmanaged = try sandbox.kubectl(["annotate", cluster, "--overwrite", "cnpg.io/networkPolicy=unmanaged"])
        try #require(unmanaged.status == 0, "\(unmanaged.error)")
        #expect(
            await Eventually.check(within: 30) {
                (try? sandbox.kubectl(["get", "networkpolicy", "cluster-example"]).status) != 0
            }, "the managed policy stayed")
        let handWritten = try sandbox.kubectl(
            ["apply", "-f", "-"],
            stdin: """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-operator}
                spec:
                  podSelector: {matchLabels: {cnpg.io/cluster: cluster-example}}
                  policyTypes: [Ingress]
                  ingress:
                  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: cnpg-system}}}]
                    ports: [{port: 8000}]
                  - ports: [{port: 5432}]
                """)
        try #require(handWritten.status == 0, "\(handWritten.error)")
        let cutOff = try status()
        #expect(rows(cutOff).filter { $0.contains(" OK ") }.isEmpty, "status still read the instances:\n\(cutOff.output)")
        #expect(cutOff.output.contains("failed to get status by proxying to the pod"), "\(cutOff.output)\(cutOff.error)")

        // Managed again, next to the hand-written one (policies add up): status works again.
        let managed = try sandbox.kubectl(["annotate", cluster, "--overwrite", "cnpg.io/networkPolicy=managed"])
        try #require(managed.status == 0, "\(managed.error)")
        let restored = await Eventually.check(within: 30) {
            report = (try? status()) ?? report
            return rows(report).filter { $0.contains(" OK ") }.count == 2
        }
        #expect(restored, "\(report.output)")
        let stop = await controller.stop()
        #expect(stop == .exited(0), "\(stop)")
    }
}
