import CNPGCore
import Foundation
import Testing

@testable import KubeSandbox

/// Which proxied connections (from the API server's address) NetworkPolicies let into a pod.
@Suite struct NetworkPolicyEvaluatorTests {
    static func json(_ text: String) throws -> JSONValue { try JSONText.parse(Array(text.utf8)) }

    static let pod =
        #"{"metadata":{"name":"db-1","labels":{"app":"db"}},"spec":{"containers":[{"name":"postgres","ports":[{"name":"status","containerPort":8000}]}]}}"#

    @Test func podsNoPolicySelectsAreOpenAndSelectedOnesAdmitOnlyWhatARuleAdmits() throws {
        let pod = try Self.json(Self.pod)
        #expect(NetworkPolicyEvaluator.admits(address: "127.0.0.1", to: pod, port: 8000, policies: []))
        let other = try Self.json(#"{"spec":{"podSelector":{"matchLabels":{"app":"web"}},"ingress":[]}}"#)
        #expect(NetworkPolicyEvaluator.admits(address: "127.0.0.1", to: pod, port: 8000, policies: [other]))
        let denyAll = try Self.json(#"{"spec":{"podSelector":{},"policyTypes":["Ingress"]}}"#)
        #expect(!NetworkPolicyEvaluator.admits(address: "127.0.0.1", to: pod, port: 8000, policies: [denyAll]))
        let egressOnly = try Self.json(#"{"spec":{"podSelector":{},"policyTypes":["Egress"]}}"#)
        #expect(NetworkPolicyEvaluator.admits(address: "127.0.0.1", to: pod, port: 8000, policies: [egressOnly]))

        // Pod and namespace peers never hold an address outside the pod network; ipBlocks may.
        let operatorOnly = try Self.json(
            #"{"spec":{"podSelector":{"matchLabels":{"app":"db"}},"ingress":[{"from":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"cnpg-system"}}}],"ports":[{"port":8000}]},{"ports":[{"port":5432}]}]}}"#
        )
        #expect(!NetworkPolicyEvaluator.admits(address: "127.0.0.1", to: pod, port: 8000, policies: [operatorOnly]))
        #expect(NetworkPolicyEvaluator.admits(address: "127.0.0.1", to: pod, port: 5432, policies: [operatorOnly]))
        let apiServer = try Self.json(
            #"{"spec":{"podSelector":{},"ingress":[{"from":[{"ipBlock":{"cidr":"127.0.0.0/8","except":["127.0.0.2/32"]}}],"ports":[{"port":"status"}]}]}}"#)
        #expect(NetworkPolicyEvaluator.admits(address: "127.0.0.1", to: pod, port: 8000, policies: [operatorOnly, apiServer]))
        #expect(!NetworkPolicyEvaluator.admits(address: "127.0.0.2", to: pod, port: 8000, policies: [apiServer]))
        #expect(!NetworkPolicyEvaluator.admits(address: "10.0.0.1", to: pod, port: 8000, policies: [apiServer]))
        #expect(!NetworkPolicyEvaluator.admits(address: "127.0.0.1", to: pod, port: 9187, policies: [apiServer]))
        let range = try Self.json(#"{"spec":{"podSelector":{},"ingress":[{"ports":[{"port":8000,"endPort":9000}]}]}}"#)
        #expect(NetworkPolicyEvaluator.admits(address: "127.0.0.1", to: pod, port: 8999, policies: [range]))
        #expect(!NetworkPolicyEvaluator.admits(address: "127.0.0.1", to: pod, port: 9187, policies: [range]))
    }

    @Test func cidrMembership() {
        #expect(NetworkPolicyEvaluator.contains("0.0.0.0/0", "192.168.1.1"))
        #expect(NetworkPolicyEvaluator.contains("10.1.0.0/16", "10.1.255.3"))
        #expect(!NetworkPolicyEvaluator.contains("10.1.0.0/16", "10.2.0.1"))
        #expect(!NetworkPolicyEvaluator.contains("10.1.0.0/33", "10.1.0.1"))
        #expect(!NetworkPolicyEvaluator.contains("fd00::/8", "fd00::1"))
    }
}
