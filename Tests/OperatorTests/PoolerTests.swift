import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// A Pooler with CNPG's automated integration: the operator creates the PgBouncer Deployment,
/// Service and RBAC and the cluster's `<cluster>-pooler` certificate; the primary creates the
/// auth_query role and function; clients reach PostgreSQL through PgBouncer, which logs in over
/// TLS 1.3 with their own SCRAM credentials; its metrics come from the admin console; `paused`
/// holds new queries until it is lifted.
extension ClusterLifecycleTests {
    @Test("a Pooler (pooler-tls sample) runs PgBouncer: app clients go through it over TLS, paused holds queries, RBAC least privilege holds")
    func poolerWithAutomatedIntegration() async throws {
        let binaries = try PostgresServer.findBinaries()
        let running = try await OperatorOnSandbox.start()
        defer { running.tearDown() }
        let (sandbox, controller) = (running.sandbox, running.controller)
        try Self.apply(sandbox, instances: 1)
        let cluster = "cluster/cluster-example"
        try #require(
            await Eventually.check(within: 120) { sandbox.jsonpath(cluster, ".status.phase") == "Cluster in healthy state" },
            "status: \(sandbox.jsonpath(cluster, ".status"))")

        let applied = try sandbox.kubectl(["apply", "-f", BuiltProducts.samples.appendingPathComponent("pooler-tls.yaml").path])
        #expect(applied.status == 0, "\(applied.error)")
        let pooler = "pooler/pooler-example-rw"
        let ready = {
            sandbox.jsonpath("deployment/pooler-example-rw", ".status.readyReplicas") == "1" && sandbox.jsonpath(pooler, ".status.instances") == "1"
        }
        let diagnostics = { () -> String in
            let pods = (try? sandbox.kubectl(["get", "pods", "-l", "cnpg.io/poolerName=pooler-example-rw", "-o", "name"]).output) ?? ""
            let pod = pods.split(separator: "\n").first.map(String.init) ?? ""
            let logs = ["bootstrap-controller", "pgbouncer"].map { (try? sandbox.kubectl(["logs", pod, "-c", $0, "--tail", "30"]).output) ?? "" }
            let previous = (try? sandbox.kubectl(["logs", pod, "-c", "pgbouncer", "--previous", "--tail", "30"]).output) ?? ""
            return "pooler: \(sandbox.jsonpath(pooler, ".status")) pod: \(pod) \(sandbox.jsonpath(pod, ".status")) logs: \(logs) previous: \(previous)"
        }
        try #require(await Eventually.check(within: 120, ready), "\(diagnostics())")
        #expect(sandbox.jsonpath(cluster, ".status.poolerIntegrations.pgBouncerIntegration.secrets[0]") == "cluster-example-pooler")
        #expect(sandbox.jsonpath(pooler, ".status.secrets.serverTLS.name") == "cluster-example-pooler")
        #expect(sandbox.jsonpath(pooler, ".status.secrets.clientTLS.name") == "cluster-example-server")
        let certificate = try sandbox.directory.write("pooler.crt", sandbox.secretValue("cluster-example-pooler", #"tls\.crt"#))
        #expect(try OpenSSL.run(["x509", "-in", certificate, "-noout", "-subject"]).output.contains("CN = cnpg_pooler_pgbouncer"))
        #expect(sandbox.jsonpath("service/pooler-example-rw", ".spec.selector.cnpg\\.io/poolerName") == "pooler-example-rw")
        #expect(sandbox.jsonpath("deployment/pooler-example-rw", ".spec.template.spec.securityContext.runAsUser") == "998")

        // Through PgBouncer: the app user is served with a TLS 1.3 session to PostgreSQL, and PgBouncer's log shows the
        // login it authenticated by the auth query and its certificate login as cnpg_pooler_pgbouncer (pods share the
        // host's network here, so the server sees 127.0.0.1 either way).
        let password = sandbox.secretValue("cluster-example-app", "password")
        let poolerAddress = sandbox.jsonpath("service/pooler-example-rw", ".spec.clusterIP")
        let query = "select current_user, s.version from pg_stat_activity a join pg_stat_ssl s using (pid) where pid = pg_backend_pid()"
        var through = try PSQL.run(binaries, host: poolerAddress, password: password, query)
        _ = await Eventually.check(within: 20) {
            through = (try? PSQL.run(binaries, host: poolerAddress, password: password, query)) ?? through
            return through.status == 0
        }
        #expect(through.status == 0 && through.output == "app|TLSv1.3\n", "\(through.output) \(through.error) \(diagnostics())")
        let poolerPod =
            (try? sandbox.kubectl(["get", "pods", "-l", "cnpg.io/poolerName=pooler-example-rw", "-o", "name"]).output)?
            .split(separator: "\n").first.map(String.init) ?? ""
        let poolerLog = (try? sandbox.kubectl(["logs", poolerPod, "-c", "pgbouncer"]).output) ?? ""
        #expect(poolerLog.contains("app/cnpg_pooler_pgbouncer@") && poolerLog.contains("SSL established: TLSv1.3"), "\(poolerLog.suffix(2000))")
        #expect(poolerLog.contains("login attempt: db=app user=app tls=TLSv1.3"), "\(poolerLog.suffix(2000))")
        // Metrics on 9127 from the admin console: the app pool that just served us, in CNPG's names.
        let podAddress = sandbox.jsonpath(poolerPod, ".status.podIP")
        guard let curl = ExternalTool.find("curl"), let promtool = ExternalTool.find("promtool") else { throw TestFailure("curl and promtool are needed") }
        let scraped = try ExternalTool.run(curl, ["-sS", "--max-time", "10", "http://\(podAddress):9127/metrics"])
        for expected in [
            "cnpg_pgbouncer_lists_databases ", #"cnpg_pgbouncer_pools_cl_active{database="app",user="app"}"#,
            #"cnpg_pgbouncer_stats_total_query_count{database="app"}"#, "cnpg_pgbouncer_last_collection_error 0",
        ] {
            #expect(scraped.output.contains(expected), "\(expected) missing from: \(scraped.output.prefix(3000)) \(scraped.error)")
        }
        let linted = try ExternalTool.run(promtool, ["check", "metrics"], stdin: scraped.output)
        // It parses; the lints left are about PgBouncer's column names, which CNPG keeps (`total_xact_count`, `maxwait_us`).
        #expect(
            (linted.output + linted.error).split(separator: "\n").allSatisfy {
                $0.contains(#"should not have "_count" suffix"#) || $0.contains("should not contain abbreviated units")
            }, "\(linted.output) \(linted.error)")
        let wrong = try PSQL.run(binaries, host: poolerAddress, password: "not-the-password", "select 1")
        #expect(wrong.status != 0 && wrong.error.contains("SASL authentication failed"), "\(wrong.error)")

        // paused: new queries wait; lifted, they run.
        #expect(try sandbox.kubectl(["patch", "pooler", "pooler-example-rw", "--type=merge", "-p", #"{"spec":{"pgbouncer":{"paused":true}}}"#]).status == 0)
        let held = await Eventually.check(within: 30) {
            guard let env = ExternalTool.find("env") else { return false }
            let result = try? ExternalTool.run(
                env,
                [
                    "PGPASSWORD=\(password)", "PGSSLMODE=require", "PGCONNECT_TIMEOUT=3", "PGOPTIONS=",
                    binaries.appendingPathComponent("psql").path, "-h", poolerAddress, "-U", "app", "-d", "app",
                    "-Atc", "select 1",
                ], timeout: 3)
            return result == nil || result?.status != 0
        }
        #expect(held, "a paused pooler still answered")
        #expect(try sandbox.kubectl(["patch", "pooler", "pooler-example-rw", "--type=merge", "-p", #"{"spec":{"pgbouncer":{"paused":false}}}"#]).status == 0)
        #expect(await Eventually.check(within: 30) { (try? PSQL.run(binaries, host: poolerAddress, password: password, "select 1").output) == "1\n" })
        let signalled = (try? sandbox.kubectl(["logs", poolerPod, "-c", "pgbouncer"]).output) ?? ""
        #expect(signalled.contains("SIGUSR1") && signalled.contains("SIGUSR2"), "PgBouncer was not paused and resumed: \(signalled.suffix(1500))")

        // monitoring.tls: a new pod serves the metrics over TLS 1.3 with PgBouncer's client certificate, and no longer in clear.
        #expect(
            try sandbox.kubectl(["patch", "pooler", "pooler-example-rw", "--type=merge", "-p", #"{"spec":{"monitoring":{"tls":{"enabled":true}}}}"#]).status
                == 0)
        let authority = try sandbox.directory.write("cluster-ca.crt", sandbox.secretValue("cluster-example-ca", #"ca\.crt"#))
        var secured = ""
        var metricsAddress = ""
        let overTLS = await Eventually.check(within: 120) {
            let pods = (try? sandbox.kubectl(["get", "pods", "-l", "cnpg.io/poolerName=pooler-example-rw", "-o", "name"]).output) ?? ""
            guard let pod = pods.split(separator: "\n").first.map(String.init), pod != poolerPod else { return false }
            metricsAddress = sandbox.jsonpath(pod, ".status.podIP")
            let scrape = try? ExternalTool.run(
                curl,
                [
                    "-sS", "--max-time", "10", "--tlsv1.3", "--cacert", authority, "--resolve", "cluster-example-rw:9127:\(metricsAddress)",
                    "https://cluster-example-rw:9127/metrics",
                ])
            secured = (scrape?.output ?? "") + (scrape?.error ?? "")
            guard scrape?.status == 0, secured.contains("cnpg_pgbouncer_last_collection_error 0") else { return false }
            let clear = try? ExternalTool.run(curl, ["-sS", "--max-time", "5", "http://\(metricsAddress):9127/metrics"])
            return clear?.output.contains("cnpg_pgbouncer") == false
        }
        #expect(overTLS, "\(secured.prefix(500)) \(diagnostics())")
        let tls12 = try ExternalTool.run(curl, ["-sS", "--max-time", "10", "--tls-max", "1.2", "-k", "https://\(metricsAddress):9127/metrics"])
        #expect(tls12.status != 0, "TLS 1.2 is refused: \(tls12.output.prefix(200))")

        // PodMonitors: none while the Prometheus Operator's CRD is missing; with it, one for the Cluster and one for the
        // Pooler (over TLS, as its metrics are now) while enablePodMonitor is on, deleted once it is off.
        #expect(try sandbox.kubectl(["patch", cluster, "--type=merge", "-p", #"{"spec":{"monitoring":{"enablePodMonitor":true}}}"#]).status == 0)
        try await Task.sleep(for: .seconds(3))
        #expect(controller.output.contains("cannot keep the PodMonitor in step") == false, "\(controller.output.suffix(1500))")
        let definition = try sandbox.kubectl(
            ["apply", "-f", "-"],
            stdin: """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: podmonitors.monitoring.coreos.com}
                spec:
                  group: monitoring.coreos.com
                  names: {kind: PodMonitor, listKind: PodMonitorList, plural: podmonitors, singular: podmonitor}
                  scope: Namespaced
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
                """)
        #expect(definition.status == 0, "\(definition.error)")
        let refused = try sandbox.kubectl(["patch", pooler, "--type=merge", "-p", #"{"spec":{"monitoring":{"enablePodMonitor":true}}}"#])
        #expect(
            refused.status != 0 && refused.error.contains("spec.pgbouncer.clientTLSSecret"), "TLS metrics scraped by a PodMonitor need it: \(refused.error)")
        let monitoredPooler =
            #"{"spec":{"monitoring":{"enablePodMonitor":true},"pgbouncer":{"clientTLSSecret":{"name":"cluster-example-server"},"clientCASecret":{"name":"cluster-example-ca"}}}}"#
        let accepted = try sandbox.kubectl(["patch", pooler, "--type=merge", "-p", monitoredPooler])
        #expect(accepted.status == 0, "\(accepted.error)")
        // The CRD arrived after the last pass: a change to the Cluster makes the next one.
        #expect(try sandbox.kubectl(["annotate", cluster, "cnpg.io/podMonitorProbe=1", "--overwrite"]).status == 0)
        let monitored = await Eventually.check(within: 60) {
            sandbox.jsonpath("podmonitor/cluster-example", ".spec.selector.matchLabels.cnpg\\.io/podRole") == "instance"
                && sandbox.jsonpath("podmonitor/pooler-example-rw", ".spec.selector.matchLabels.cnpg\\.io/poolerName") == "pooler-example-rw"
        }
        #expect(monitored, "\((try? sandbox.kubectl(["get", "podmonitors", "-o", "yaml"]).output) ?? "") \(controller.output.suffix(1500))")
        #expect(sandbox.jsonpath("podmonitor/cluster-example", ".spec.podMetricsEndpoints[0].port") == "metrics")
        #expect(sandbox.jsonpath("podmonitor/pooler-example-rw", ".spec.podMetricsEndpoints[0].scheme") == "https")
        #expect(sandbox.jsonpath("podmonitor/pooler-example-rw", ".spec.podMetricsEndpoints[0].tlsConfig.ca.secret.name") == "cluster-example-ca")
        #expect(sandbox.jsonpath("podmonitor/cluster-example", ".metadata.ownerReferences[0].kind") == "Cluster")
        #expect(try sandbox.kubectl(["patch", cluster, "--type=merge", "-p", #"{"spec":{"monitoring":{"enablePodMonitor":false}}}"#]).status == 0)
        #expect(try sandbox.kubectl(["patch", pooler, "--type=merge", "-p", #"{"spec":{"monitoring":{"enablePodMonitor":false}}}"#]).status == 0)
        let unmonitored = await Eventually.check(within: 60) {
            ((try? sandbox.kubectl(["get", "podmonitors", "-o", "name"]).output) ?? "x").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        #expect(unmonitored, "\((try? sandbox.kubectl(["get", "podmonitors", "-o", "name"]).output) ?? "")")

        // Least privilege: no refusal for the operator, the instance or the pooler pod.
        let audit = try String(contentsOf: sandbox.stateDirectory.appendingPathComponent("audit.jsonl"), encoding: .utf8)
        let refusals = audit.split(separator: "\n").filter { $0.contains("\"code\":403") }
        #expect(refusals.isEmpty, "\(refusals.prefix(5).joined(separator: "\n"))")

        // Deleting the Pooler takes its Deployment, Service and RBAC with it.
        #expect(try sandbox.kubectl(["delete", "pooler", "pooler-example-rw", "--timeout=60s"]).status == 0)
        let gone = await Eventually.check(within: 60) {
            ((try? sandbox.kubectl([
                "get", "deployments,services,roles,rolebindings,serviceaccounts,pods", "-l", "cnpg.io/poolerName=pooler-example-rw",
                "-o", "name",
            ]).output) ?? "x").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        #expect(gone)
    }
}
