import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

private func defaulted(_ spec: String, name: String = "cluster-example", annotations: [String: String] = [:]) throws -> Cluster {
    var cluster = try decodeDefaultedCluster(try review(try clusterDocument(spec, name: name, annotations: annotations)))
    cluster.metadata.namespace = "prod"
    return cluster
}

/// Every container of every pod and job runs hardened.
private func expectHardened(_ spec: PodSpec?, uid: Int64 = 26, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(spec?.securityContext?.runAsNonRoot == true, sourceLocation: sourceLocation)
    #expect(spec?.securityContext?.runAsUser == uid, sourceLocation: sourceLocation)
    #expect(spec?.securityContext?.seccompProfile == .runtimeDefault, sourceLocation: sourceLocation)
    #expect(spec?.automountServiceAccountToken == false, sourceLocation: sourceLocation)
    let containers = (spec?.initContainers ?? []) + (spec?.containers ?? [])
    #expect(!containers.isEmpty, sourceLocation: sourceLocation)
    for container in containers {
        let context = container.securityContext
        #expect(context?.allowPrivilegeEscalation == false, "\(container.name)", sourceLocation: sourceLocation)
        #expect(context?.privileged == false, "\(container.name)", sourceLocation: sourceLocation)
        #expect(context?.readOnlyRootFilesystem == true, "\(container.name)", sourceLocation: sourceLocation)
        #expect(context?.runAsNonRoot == true, "\(container.name)", sourceLocation: sourceLocation)
        #expect(context?.capabilities?.drop == ["ALL"], "\(container.name)", sourceLocation: sourceLocation)
        #expect(context?.seccompProfile == .runtimeDefault, "\(container.name)", sourceLocation: sourceLocation)
    }
}

@Suite struct PodAndJobBuilderTests {
    @Test func instancePodsFollowCNPGsLayout() throws {
        let cluster = try defaulted("instances: 3\nstorage: {size: 1Gi}\nwalStorage: {size: 1Gi}\nenv: [{name: TZ, value: UTC}]")
        let pod = InstancePodBuilder.pod(for: cluster, serial: 2)
        #expect(pod.metadata.name == "cluster-example-2")
        #expect(pod.metadata.labels?["cnpg.io/podRole"] == "instance")
        #expect(pod.metadata.labels?["cnpg.io/instanceName"] == "cluster-example-2")
        #expect(pod.metadata.annotations?["cnpg.io/nodeSerial"] == "2")
        #expect(pod.metadata.annotations?["cnpg.io/podSpec"].flatMap { try? JSONText.parse($0) } == ObjectCodec.encode(try #require(pod.spec)))
        expectHardened(pod.spec)
        let postgres = try #require(pod.spec?.containers?.first)
        #expect(postgres.name == "postgres")
        #expect(postgres.ports?.map(\.name) == ["postgresql", "metrics", "status"])
        #expect(postgres.ports?.map(\.containerPort) == [5432, 9187, 8000])
        #expect(postgres.env?.prefix(4).map(\.name) == ["PGDATA", "POD_NAME", "NAMESPACE", "CLUSTER_NAME"])
        #expect(postgres.env?.last == EnvVar(name: "TZ", value: "UTC"))
        #expect(postgres.startupProbe?.failureThreshold == 360)
        #expect(postgres.readinessProbe?.httpGet?.path == "/readyz")
        #expect(postgres.livenessProbe?.httpGet?.scheme == "HTTPS")
        let mounts = Set((postgres.volumeMounts ?? []).map(\.mountPath))
        #expect(
            mounts.isSuperset(of: [
                "/var/lib/postgresql/data", "/var/lib/postgresql/wal", "/run", "/controller", "/dev/shm",
                "/var/run/secrets/kubernetes.io/serviceaccount",
            ]))
        #expect(pod.spec?.volumes?.compactMap(\.persistentVolumeClaim?.claimName) == ["cluster-example-2", "cluster-example-2-wal"])
        let initContainer = try #require(pod.spec?.initContainers?.first)
        #expect(initContainer.name == "bootstrap-controller")
        #expect(initContainer.command == ["/manager", "bootstrap", "/controller/manager", "--log-level=info"])
        #expect(!(initContainer.volumeMounts ?? []).contains { $0.name == "kube-api-access" })
        #expect(pod.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.first?.weight == 100)
    }

    @Test func userSecurityContextsMergeAsCNPGDoes() throws {
        let cluster = try defaulted(
            """
            instances: 1
            storage: {size: 1Gi}
            postgresUID: 1001
            postgresGID: 1001
            podSecurityContext: {fsGroup: 2000}
            securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}
            seccompProfile: {type: Localhost, localhostProfile: pg.json}
            """)
        let spec = InstancePodBuilder.pod(for: cluster, serial: 1).spec
        #expect(spec?.securityContext?.fsGroup == 2000)
        #expect(spec?.securityContext?.runAsUser == 1001)
        #expect(spec?.securityContext?.runAsNonRoot == nil)
        #expect(spec?.securityContext?.seccompProfile == SeccompProfile(type: "Localhost", localhostProfile: "pg.json"))
        let container = spec?.containers?.first?.securityContext
        #expect(container?.capabilities == Capabilities(add: ["NET_BIND_SERVICE"], drop: ["ALL"]))
        #expect(container?.readOnlyRootFilesystem == true)
    }

    @Test func appArmorAnnotationsArePropagatedToExistingContainersOnly() throws {
        let cluster = try defaulted(
            "instances: 1\nstorage: {size: 1Gi}",
            annotations: [
                "container.apparmor.security.beta.kubernetes.io/postgres": "runtime/default",
                "container.apparmor.security.beta.kubernetes.io/initdb": "localhost/pg",
                "container.apparmor.security.beta.kubernetes.io/sidecar": "unconfined",
            ])
        let pod = InstancePodBuilder.pod(for: cluster, serial: 1)
        #expect(pod.metadata.annotations?["container.apparmor.security.beta.kubernetes.io/postgres"] == "runtime/default")
        #expect(pod.metadata.annotations?["container.apparmor.security.beta.kubernetes.io/sidecar"] == nil)
        #expect(pod.metadata.annotations?["container.apparmor.security.beta.kubernetes.io/initdb"] == nil)
        let job = JobBuilder.job(for: cluster, serial: 1, role: .initdb)
        #expect(job.spec?.template.metadata?.annotations?["container.apparmor.security.beta.kubernetes.io/initdb"] == "localhost/pg")
        #expect(job.spec?.template.metadata?.annotations?["container.apparmor.security.beta.kubernetes.io/postgres"] == nil)
    }

    @Test func jobsRunTheInstanceManagerWithCNPGsFlags() throws {
        let cluster = try defaulted(
            """
            instances: 2
            storage: {size: 1Gi}
            walStorage: {size: 1Gi}
            bootstrap: {initdb: {database: shop, owner: clerk, dataChecksums: true, postInitSQL: ["create extension if not exists pgcrypto", "select 'it''s'"]}}
            """)
        let initdb = JobBuilder.job(for: cluster, serial: 1, role: .initdb)
        #expect(initdb.metadata.name == "cluster-example-1-initdb")
        #expect(initdb.metadata.labels?["cnpg.io/jobRole"] == "initdb")
        let pod = try #require(initdb.spec?.template.spec)
        expectHardened(pod)
        #expect(pod.restartPolicy == "Never")
        #expect(pod.hostname == "cluster-example-1-initdb")
        #expect(pod.volumes?.first?.persistentVolumeClaim?.claimName == "cluster-example-1")
        let container = try #require(pod.containers?.first)
        #expect(container.name == "initdb")
        #expect(
            container.command == [
                "/controller/manager", "instance", "init",
                "--initdb-flags", "-k --encoding=UTF8 --lc-collate=C --lc-ctype=C",
                "--post-init-sql", "'create extension if not exists pgcrypto' 'select '\\''it'\\'''\\''s'\\'''",
                "--app-db-name", "shop", "--app-user", "clerk", "--pg-wal", "/var/lib/postgresql/wal/pg_wal", "--log-level=info",
            ])
        #expect(container.env?.last?.valueFrom?.secretKeyRef?.name == "cluster-example-app")
        let join = JobBuilder.job(for: cluster, serial: 2, role: .join)
        #expect(
            join.spec?.template.spec?.containers?.first?.command?.prefix(5) == [
                "/controller/manager", "instance", "join", "--parent-node", "cluster-example-rw",
            ])
    }

    @Test func shellQuotingSurvivesAShell() throws {
        let words = ["plain", "with space", "it's", "$HOME", "a\"b", "back\\slash", ""]
        let script = "for w in \(ShellQuoting.join(words)); do printf '%s\\n' \"$w\"; done"
        let result = try ExternalTool.run(URL(fileURLWithPath: "/bin/sh"), ["-c", script])
        #expect(result.output == words.map { $0 + "\n" }.joined())
    }
}

@Suite struct GenerateManifestsTests {
    @Test func everySampleClusterProducesValidObjects() throws {
        let tool = try #require(ExternalTool.find("kubernetes-validate"), "kubernetes-validate is missing: run scripts/install-test-deps.sh")
        var objects: [JSONValue] = []
        for (file, document) in try TestPaths.cnpgSampleDocuments() where document["kind"] == .string("Cluster") {
            var cluster = try decodeDefaultedCluster(try review(document))
            cluster.metadata.namespace = "default"
            let generated = try ClusterManifests.objects(for: cluster)
            #expect(generated.filter { $0["kind"] == .string("Pod") }.count == cluster.spec.instances, "\(file)")
            for object in generated where object["kind"] == .string("Pod") || object["kind"] == .string("Job") {
                let pod =
                    object["kind"] == .string("Pod")
                    ? try ObjectCodec.decode(Pod.self, from: object).spec
                    : try ObjectCodec.decode(Job.self, from: object).spec?.template.spec
                if cluster.spec.podSecurityContext == nil, cluster.spec.securityContext == nil { expectHardened(pod) }
            }
            objects += generated
        }
        let file = try BuiltProducts.temporaryFile(ManifestValidator.render(objects, format: "yaml"))
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try ExternalTool.run(tool, ["--strict", file.path], timeout: 600)
        #expect(result.status == 0, "\(result.output.suffix(3000))\(result.error.suffix(3000))")
        #expect(result.output.components(separatedBy: " passed ").count - 1 == objects.count)
    }

    @Test func superuserSecretOnlyWhenEnabled() throws {
        let off = try defaulted("instances: 1\nstorage: {size: 1Gi}")
        #expect(ClusterManifests.credentialSecrets(for: off, configuration: OperatorConfiguration()).map(\.metadata.name) == ["cluster-example-app"])
        let on = try defaulted("instances: 1\nstorage: {size: 1Gi}\nenableSuperuserAccess: true")
        let secrets = ClusterManifests.credentialSecrets(for: on, configuration: OperatorConfiguration())
        #expect(secrets.map(\.metadata.name) == ["cluster-example-app", "cluster-example-superuser"])
        #expect(secrets[1].stringValues["username"] == "postgres")
        #expect(secrets[1].stringValues["dbname"] == "*")
        let userOwned = try defaulted(
            "instances: 1\nstorage: {size: 1Gi}\nenableSuperuserAccess: true\nsuperuserSecret: {name: mine}\nbootstrap: {initdb: {secret: {name: app-mine}}}")
        #expect(ClusterManifests.credentialSecrets(for: userOwned, configuration: OperatorConfiguration()).isEmpty)
    }
}
