import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

@Suite struct WebhookAndNetworkPolicyTests {
    @Test func webhookConfigurationsMatchCNPG() throws {
        let pki = try WebhookPKI.reconcile(namespace: "cnpg-system", existingCA: nil, existingCertificate: nil, policy: CertificatePolicy(), now: Date())
        let configurations = WebhookConfigurationBuilder.configurations(namespace: "cnpg-system", caBundlePEM: pki.caBundle)
        #expect(configurations.map(\.metadata.name) == ["cnpg-mutating-webhook-configuration", "cnpg-validating-webhook-configuration"])
        let mutating = try #require(configurations[0].webhooks)
        #expect(mutating.map(\.name) == ["mbackup.cnpg.io", "mcluster.cnpg.io", "mdatabase.cnpg.io", "mscheduledbackup.cnpg.io"])
        #expect(mutating[1].clientConfig.service?.path == "/mutate-postgresql-cnpg-io-v1-cluster")
        let validating = try #require(configurations[1].webhooks)
        #expect(
            validating.map(\.clientConfig.service?.path) == [
                "/validate-postgresql-cnpg-io-v1-backup", "/validate-postgresql-cnpg-io-v1-cluster", "/validate-postgresql-cnpg-io-v1-database",
                "/validate-postgresql-cnpg-io-v1-pooler", "/validate-postgresql-cnpg-io-v1-scheduledbackup",
            ])
        for webhook in mutating + validating {
            #expect(webhook.failurePolicy == "Fail")
            #expect(webhook.sideEffects == "None")
            #expect(webhook.admissionReviewVersions == ["v1"])
            #expect(webhook.clientConfig.service?.name == "cnpg-webhook-service")
            #expect(webhook.clientConfig.service?.port == 443)
            #expect(webhook.rules?.first?.operations == ["CREATE", "UPDATE"])
            let bundle = try #require(webhook.clientConfig.caBundle.flatMap { Data(base64Encoded: $0) })
            #expect(String(decoding: bundle, as: UTF8.self) == pki.caBundle)
        }
        #expect(
            WebhookConfigurationBuilder.configurations(namespace: "ops", caBundlePEM: nil, nameSuffix: true)[0].metadata.name
                == "cnpg-mutating-webhook-configuration-ops")
    }

    @Test func networkPolicyOpensOnlyWhatTheClusterNeeds() throws {
        var cluster = try decodeDefaultedCluster(try review(try clusterDocument("instances: 3\nstorage: {size: 1Gi}")))
        cluster.metadata.namespace = "prod"
        let policy = NetworkPolicyBuilder.policy(for: cluster)
        #expect(policy.spec.policyTypes == ["Ingress"])
        #expect(policy.spec.podSelector.matchLabels == ["cnpg.io/cluster": "cluster-example", "cnpg.io/podRole": "instance"])
        let ports = (policy.spec.ingress ?? []).map { $0.ports?.first?.port }
        #expect(ports == [.int(8000), .int(5432), .int(5432), .int(9187)])
        #expect(policy.spec.ingress?[0].from?.first?.namespaceSelector?.matchLabels == ["kubernetes.io/metadata.name": "cnpg-system"])
        // Scrapers from any namespace by default; the API server only when its addresses are known.
        #expect(policy.spec.ingress?[3].from?.first?.namespaceSelector == LabelSelector())
        #expect(policy.spec.ingress?[0].from?.count == 2)
        var withAPIServer = NetworkPolicyBuilder.Options()
        withAPIServer.apiServerAddresses = ["10.0.0.2", "10.0.0.1", "fd00::1"]
        let proxied = NetworkPolicyBuilder.policy(for: cluster, options: withAPIServer)
        #expect(proxied.spec.ingress?[0].from?.compactMap { $0.ipBlock?["cidr"]?.stringValue } == ["10.0.0.1/32", "10.0.0.2/32", "fd00::1/128"])
        #expect(proxied.spec.ingress?[0].from?[1].podSelector?.matchLabels == ["cnpg.io/cluster": "cluster-example", "cnpg.io/podRole": "instance"])
        // Opt-in: the annotation wins over the operator's setting.
        #expect(!NetworkPolicyBuilder.isManaged(cluster, operatorDefault: false))
        #expect(NetworkPolicyBuilder.isManaged(cluster, operatorDefault: true))
        cluster.metadata.annotations = ["cnpg.io/networkPolicy": "unmanaged"]
        #expect(!NetworkPolicyBuilder.isManaged(cluster, operatorDefault: true))
        cluster.metadata.annotations = ["cnpg.io/networkPolicy": "managed"]
        #expect(NetworkPolicyBuilder.isManaged(cluster, operatorDefault: false))
        #expect(OperatorConfiguration(settings: ["MANAGE_NETWORK_POLICIES": "true"]).manageNetworkPolicies)
        #expect(!OperatorConfiguration().manageNetworkPolicies)
        #expect(OperatorRBAC.clusterRole(managingNetworkPolicies: true).rules?.last == OperatorRBAC.networkPolicyRule)
        #expect(OperatorRBAC.clusterRole().rules?.contains(OperatorRBAC.networkPolicyRule) == false)
        var closed = NetworkPolicyBuilder.Options()
        closed.monitoringNamespaceLabels = nil
        closed.clientPodSelector = LabelSelector(matchLabels: ["role": "app"])
        let strict = NetworkPolicyBuilder.policy(for: cluster, options: closed)
        #expect(strict.spec.ingress?.count == 3)
        #expect(strict.spec.ingress?[2].from?.first?.podSelector?.matchLabels == ["role": "app"])
    }

    @Test func bothPassKubernetesValidate() throws {
        let tool = try #require(ExternalTool.find("kubernetes-validate"), "kubernetes-validate is missing: run scripts/install-test-deps.sh")
        var cluster = Cluster(name: "cluster-example", namespace: "prod")
        cluster.spec.instances = 3
        let objects =
            WebhookConfigurationBuilder.configurations(namespace: "cnpg-system", caBundlePEM: "pem").map { ObjectCodec.encode($0) }
            + [ObjectCodec.encode(NetworkPolicyBuilder.policy(for: cluster))]
        let file = try BuiltProducts.temporaryFile(ManifestValidator.render(objects, format: "yaml"))
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try ExternalTool.run(tool, ["--strict", file.path])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.components(separatedBy: " passed ").count - 1 == 3)
    }
}
