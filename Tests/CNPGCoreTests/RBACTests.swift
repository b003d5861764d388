import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

private func defaulted(_ spec: String, name: String) throws -> Cluster {
    var cluster = try decodeDefaultedCluster(try review(try clusterDocument(spec, name: name)))
    cluster.metadata.namespace = "prod"
    cluster.metadata.uid = "0b3c7a52-0000-4000-8000-000000000001"
    return cluster
}

@Suite struct RBACTests {
    @Test func operatorClusterRoleIsLeastPrivilege() {
        let rules = OperatorRBAC.clusterRole().rules ?? []
        func verbs(_ group: String, _ resource: String) -> Set<String> {
            Set(rules.filter { $0.apiGroups == [group] && ($0.resources ?? []).contains(resource) }.flatMap(\.verbs))
        }
        #expect(verbs("", "pods") == ["create", "delete", "get", "list", "patch", "watch"])
        #expect(!verbs("", "persistentvolumeclaims").contains("update"))
        #expect(verbs("admissionregistration.k8s.io", "validatingwebhookconfigurations") == ["get", "patch"])
        #expect(!verbs("rbac.authorization.k8s.io", "roles").contains("delete"))
        #expect(verbs("", "pods/status") == ["get"])
        #expect(rules.allSatisfy { !$0.verbs.contains("*") && !($0.resources ?? []).contains("*") && !($0.apiGroups ?? []).contains("*") })
        #expect(rules.count == 22)
    }

    @Test func instanceRoleReadsOnlyItsOwnSecrets() throws {
        let first = try defaulted(
            """
            instances: 1
            storage: {size: 1Gi}
            bootstrap: {initdb: {secret: {name: shop-owner}}}
            certificates: {serverCASecret: corp-ca, serverTLSSecret: corp-tls, clientCASecret: corp-client-ca, replicationTLSSecret: corp-repl}
            postgresql: {ldap: {server: ldap, bindSearchAuth: {bindPassword: {name: ldap-bind, key: password}}}}
            monitoring: {customQueriesSecret: [{name: extra-queries, key: q}], customQueriesConfigMap: [{name: my-queries, key: q}]}
            backup: {barmanObjectStore: {destinationPath: 's3://b', s3Credentials: {accessKeyId: {name: s3-creds, key: id}, secretAccessKey: {name: s3-creds, key: secret}}}}
            externalClusters: [{name: old, connectionParameters: {host: old}, password: {name: old-password, key: password}}]
            managed: {roles: [{name: dante, passwordSecret: {name: dante-password}}, {name: nopass, disablePassword: true}]}
            """, name: "shop")
        let second = try defaulted("instances: 1\nstorage: {size: 1Gi}", name: "billing")
        let role = InstanceRBAC.role(for: first)
        let secrets = try #require(role.rules?.first { $0.resources == ["secrets"] })
        #expect(secrets.verbs == ["get", "watch"])
        #expect(
            secrets.resourceNames == [
                "corp-ca", "corp-client-ca", "corp-repl", "corp-tls", "dante-password", "extra-queries", "ldap-bind", "old-password",
                "s3-creds", "shop-owner", "shop-superuser",
            ])
        let otherSecrets = Set(InstanceRBAC.secretNames(for: second))
        #expect(otherSecrets == ["billing-app", "billing-ca", "billing-replication", "billing-server", "billing-superuser"])
        #expect(otherSecrets.isDisjoint(with: secrets.resourceNames ?? []))
        let configMaps = try #require(role.rules?.first { $0.resources == ["configmaps"] })
        #expect(configMaps.resourceNames == ["cnpg-default-monitoring", "my-queries", "shop"])
        let status = try #require(role.rules?.first { $0.resources == ["clusters/status"] })
        #expect(status.resourceNames == ["shop"])
        #expect(role.rules?.allSatisfy { !$0.verbs.contains("create") || $0.resources == ["events"] } == true)
        #expect(role.metadata.ownerReferences?.first?.kind == "Cluster")
        #expect(role.metadata.labels?["app.kubernetes.io/managed-by"] == "cloudnative-pg")
    }

    @Test func serviceAccountAndBindingFollowTheCluster() throws {
        let cluster = try defaulted("instances: 1\nstorage: {size: 1Gi}\nimagePullSecrets: [{name: registry}]", name: "shop")
        let account = try #require(InstanceRBAC.serviceAccount(for: cluster))
        #expect(account.automountServiceAccountToken == false)
        #expect(account.imagePullSecrets == [LocalObjectReference(name: "registry")])
        let binding = InstanceRBAC.roleBinding(for: cluster)
        #expect(binding.subjects == [Subject(kind: "ServiceAccount", name: "shop", namespace: "prod")])
        #expect(binding.roleRef == RoleRef(kind: "Role", name: "shop"))
        let named = try defaulted("instances: 1\nstorage: {size: 1Gi}\nserviceAccountName: existing", name: "shop")
        #expect(InstanceRBAC.serviceAccount(for: named) == nil)
        #expect(InstanceRBAC.roleBinding(for: named).subjects?.first?.name == "existing")
    }

    @Test func generatedRBACPassesKubernetesValidate() throws {
        let tool = try #require(ExternalTool.find("kubernetes-validate"), "kubernetes-validate is missing: run scripts/install-test-deps.sh")
        let cluster = try defaulted("instances: 1\nstorage: {size: 1Gi}", name: "shop")
        let objects: [JSONValue] = [
            ObjectCodec.encode(OperatorRBAC.clusterRole()), ObjectCodec.encode(OperatorRBAC.clusterRoleBinding()),
            ObjectCodec.encode(InstanceRBAC.role(for: cluster)), ObjectCodec.encode(InstanceRBAC.roleBinding(for: cluster)),
            ObjectCodec.encode(try #require(InstanceRBAC.serviceAccount(for: cluster))),
        ]
        let file = try BuiltProducts.temporaryFile(ManifestValidator.render(objects, format: "yaml"))
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try ExternalTool.run(tool, ["--strict", file.path])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.components(separatedBy: " passed ").count - 1 == objects.count, "\(result.output)")
    }
}

@Suite struct RBACUsageTests {
    @Test func grantedButUnusedPermissionsAreListed() throws {
        let rules = [
            PolicyRule(apiGroups: [""], resources: ["secrets", "services"], verbs: ["get", "list"]),
            PolicyRule(apiGroups: ["postgresql.cnpg.io"], resources: ["clusters/status"], verbs: ["patch"], resourceNames: ["db"]),
        ]
        let records = try [
            #"{"user":"op","verb":"get","group":"","resource":"secrets","subresource":null,"code":200}"#,
            #"{"user":"op","verb":"get","group":"","resource":"secrets","subresource":null,"code":404}"#,
            #"{"user":"op","verb":"list","group":"","resource":"services","subresource":null,"code":403}"#,
            #"{"user":"op","verb":"patch","group":"postgresql.cnpg.io","resource":"clusters","subresource":"status","code":200}"#,
            #"{"user":"other","verb":"get","group":"","resource":"services","subresource":null,"code":200}"#,
        ].map { try JSONText.parse($0) }
        let used = RBACUsage.used(by: "op", in: records)
        #expect(
            used == [
                RBACUsage.Permission(group: "", resource: "secrets", verb: "get"),
                RBACUsage.Permission(group: "postgresql.cnpg.io", resource: "clusters/status", verb: "patch"),
            ])
        let unused = RBACUsage.unused(granted: rules, used: used).map(\.description)
        #expect(unused == ["list secrets", "get services", "list services"], "a refused request uses nothing; another user's counts for nobody")
    }
}
