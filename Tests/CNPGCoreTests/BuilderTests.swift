import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

private func defaulted(_ spec: String, name: String = "cluster-example") throws -> Cluster {
    var cluster = try decodeDefaultedCluster(try review(try clusterDocument(spec, name: name)))
    cluster.metadata.namespace = "prod"
    cluster.metadata.uid = "0b3c7a52-0000-4000-8000-000000000001"
    return cluster
}

@Suite struct ServiceBuilderTests {
    @Test func defaultServicesSelectByRole() throws {
        let cluster = try defaulted("instances: 3\nstorage: {size: 1Gi}")
        let services = ServiceBuilder.defaultServices(for: cluster)
        #expect(services.map(\.metadata.name) == ["cluster-example-rw", "cluster-example-ro", "cluster-example-r"])
        #expect(services[0].spec?.selector == ["cnpg.io/cluster": "cluster-example", "cnpg.io/instanceRole": "primary"])
        #expect(services[1].spec?.selector == ["cnpg.io/cluster": "cluster-example", "cnpg.io/instanceRole": "replica"])
        #expect(services[2].spec?.selector == ["cnpg.io/cluster": "cluster-example", "cnpg.io/podRole": "instance"])
        #expect(services[0].spec?.ports == [ServicePort(name: "postgres", port: 5432, targetPort: .int(5432))])
        #expect(services[0].metadata.labels?["app.kubernetes.io/version"] == "18")
        #expect(services[0].metadata.ownerReferences?.first?.controller == true)
        let any = ServiceBuilder.defaultServices(for: cluster, createAnyService: true).last
        #expect(any?.metadata.name == "cluster-example-any")
        #expect(any?.spec?.publishNotReadyAddresses == true)
    }

    @Test func disabledAndManagedServices() throws {
        let cluster = try defaulted(
            """
            instances: 3
            storage: {size: 1Gi}
            managed:
              services:
                disabledDefaultServices: [ro, r]
                additional:
                - selectorType: rw
                  updateStrategy: replace
                  serviceTemplate: {metadata: {name: lb, labels: {team: a}}, spec: {type: LoadBalancer}}
            """)
        #expect(ServiceBuilder.defaultServices(for: cluster).map(\.metadata.name) == ["cluster-example-rw"])
        let managed = try #require(ServiceBuilder.managedServices(for: cluster).first)
        #expect(managed.spec?.type == "LoadBalancer")
        #expect(managed.spec?.selector?["cnpg.io/instanceRole"] == "primary")
        #expect(managed.metadata.labels?["cnpg.io/isManaged"] == "true")
        #expect(managed.metadata.labels?["team"] == "a")
        #expect(managed.metadata.annotations?["cnpg.io/updateStrategy"] == "replace")
    }
}

@Suite struct SecretAndVolumeBuilderTests {
    @Test func credentialSecretsCarryEveryKey() throws {
        let cluster = try defaulted("instances: 1\nstorage: {size: 1Gi}")
        let secret = SecretBuilder.credentials(
            for: cluster, name: "cluster-example-app", userType: .app, username: "app",
            password: "p4ss:word", database: "app")
        #expect(secret.type == "kubernetes.io/basic-auth")
        #expect(secret.metadata.labels?["cnpg.io/userType"] == "app")
        #expect(secret.metadata.labels?["cnpg.io/reload"] == "true")
        let values = secret.stringValues
        #expect(values["username"] == "app")
        #expect(values["user"] == "app")
        #expect(values["dbname"] == "app")
        #expect(values["host"] == "cluster-example-rw")
        #expect(values["port"] == "5432")
        #expect(values["pgpass"] == "cluster-example-rw:5432:app:app:p4ss\\:word\n")
        #expect(values["uri"] == "postgresql://app:p4ss%3Aword@cluster-example-rw.prod:5432/app")
        #expect(values["jdbc-uri"] == "jdbc:postgresql://cluster-example-rw.prod:5432/app?password=p4ss%3Aword&user=app")
        #expect(values["fqdn-uri"] == "postgresql://app:p4ss%3Aword@cluster-example-rw.prod.svc.cluster.local:5432/app")
    }

    @Test func pdbsFollowInstancesAndEnablePDB() throws {
        let three = DisruptionBudgetBuilder.budgets(for: try defaulted("instances: 3\nstorage: {size: 1Gi}"))
        #expect(three.map(\.metadata.name) == ["cluster-example-primary", "cluster-example"])
        #expect(three[1].spec?.minAvailable == .int(1))
        #expect(DisruptionBudgetBuilder.budgets(for: try defaulted("instances: 5\nstorage: {size: 1Gi}"))[1].spec?.minAvailable == .int(3))
        #expect(DisruptionBudgetBuilder.budgets(for: try defaulted("instances: 2\nstorage: {size: 1Gi}")).count == 1)
        #expect(DisruptionBudgetBuilder.budgets(for: try defaulted("instances: 3\nstorage: {size: 1Gi}\nenablePDB: false")).isEmpty)
        // A maintenance window reusing PVCs lets nodes drain: no standby budget, and none at all for one instance.
        let window = "\nnodeMaintenanceWindow: {inProgress: true, reusePVC: true}"
        #expect(
            DisruptionBudgetBuilder.budgets(for: try defaulted("instances: 3\nstorage: {size: 1Gi}" + window)).map(\.metadata.name)
                == ["cluster-example-primary"])
        #expect(DisruptionBudgetBuilder.budgets(for: try defaulted("instances: 1\nstorage: {size: 1Gi}" + window)).isEmpty)
        let recreating = "\nnodeMaintenanceWindow: {inProgress: true, reusePVC: false}"
        #expect(DisruptionBudgetBuilder.budgets(for: try defaulted("instances: 3\nstorage: {size: 1Gi}" + recreating)).count == 2)
        #expect(DisruptionBudgetBuilder.names(for: try defaulted("instances: 3\nstorage: {size: 1Gi}")) == ["cluster-example", "cluster-example-primary"])
    }

    @Test func pvcsForDataWalAndTablespaces() throws {
        let cluster = try defaulted(
            """
            instances: 1
            storage: {size: 2Gi, storageClass: fast}
            walStorage: {pvcTemplate: {resources: {requests: {storage: 1Gi}}, accessModes: [ReadWriteOncePod]}}
            tablespaces: [{name: _hot_data, storage: {size: 1Gi}}]
            """)
        let claims = try PVCBuilder.claims(for: cluster, serial: 2)
        #expect(claims.map(\.metadata.name) == ["cluster-example-2", "cluster-example-2-wal", "cluster-example-2-tbs-1hot-data"])
        #expect(claims[0].spec?.storageClassName == "fast")
        #expect(claims[0].spec?.resources?.requests?["storage"] == (try Quantity("2Gi")))
        #expect(claims[0].spec?.accessModes == ["ReadWriteOnce"])
        #expect(claims[0].metadata.annotations?["cnpg.io/pvcStatus"] == "initializing")
        #expect(claims[1].spec?.accessModes == ["ReadWriteOncePod"])
        #expect(claims[1].metadata.labels?["cnpg.io/pvcRole"] == "PG_WAL")
        #expect(claims[2].metadata.labels?["cnpg.io/tablespaceName"] == "_hot_data")
        #expect(claims[2].metadata.annotations?["cnpg.io/nodeSerial"] == "2")
    }

    @Test func everySampleClustersObjectsPassKubernetesValidate() throws {
        let tool = try #require(ExternalTool.find("kubernetes-validate"), "kubernetes-validate is missing: run scripts/install-test-deps.sh")
        var objects: [JSONValue] = []
        for (_, document) in try TestPaths.cnpgSampleDocuments() where document["kind"] == .string("Cluster") {
            var cluster = try decodeDefaultedCluster(try review(document))
            cluster.metadata.namespace = "default"
            cluster.metadata.uid = "0b3c7a52-0000-4000-8000-000000000001"
            objects += ServiceBuilder.defaultServices(for: cluster).map { ObjectCodec.encode($0) }
            objects += DisruptionBudgetBuilder.budgets(for: cluster).map { ObjectCodec.encode($0) }
            objects += try PVCBuilder.claims(for: cluster, serial: 1).map { ObjectCodec.encode($0) }
            objects.append(
                ObjectCodec.encode(
                    SecretBuilder.credentials(
                        for: cluster, name: "x-app", userType: .app, username: "app",
                        password: PasswordGenerator.generate(), database: "app")))
            let pki = try ClusterPKI.reconcile(cluster: cluster, existing: [:], policy: CertificatePolicy(), now: Date())
            objects += pki.secrets.map { ObjectCodec.encode(SecretBuilder.certificate(for: cluster, $0)) }
        }
        let file = try BuiltProducts.temporaryFile(ManifestValidator.render(objects, format: "yaml"))
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try ExternalTool.run(tool, ["--strict", file.path], timeout: 300)
        #expect(result.status == 0, "\(result.output.suffix(2000))\(result.error.suffix(2000))")
        #expect(result.output.components(separatedBy: " passed ").count - 1 == objects.count)
    }
}
