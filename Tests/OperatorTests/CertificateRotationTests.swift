import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// Certificates that live two minutes (CERTIFICATE_DURATION=120s, renewed 90 s before expiry):
/// over more than one lifetime the operator renews the cluster's CA and leaves and the webhook's,
/// the instances present the renewed ones on 5432 and 8000 without a restart, and clients that
/// keep reconnecting (trusting the CA secret as it is now) never fail; the replica keeps streaming.
extension ClusterLifecycleTests {
    /// The leaf certificate a TLS 1.3 server presents, and whether it verified against `caFile`.
    static func presented(_ address: String, port: Int, caFile: String) -> (verified: Bool, pem: String) {
        let starttls = port == 5432 ? ["-starttls", "postgres"] : []
        guard
            let result = try? OpenSSL.run(
                [
                    "s_client", "-connect", "\(address):\(port)", "-tls1_3", "-CAfile", caFile,
                    "-verify_return_error",
                ] + starttls, stdin: "")
        else { return (false, "") }
        let text = result.output
        guard let begin = text.range(of: "-----BEGIN CERTIFICATE-----"),
            let end = text.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<text.endIndex)
        else { return (false, "") }
        return (result.status == 0 && text.contains("Verify return code: 0 (ok)"), String(text[begin.lowerBound..<end.upperBound]))
    }

    @Test("certificates renewed every 30 s: instances serve the new ones, reconnecting clients and webhooks never fail, nothing left behind")
    func certificateRotation() async throws {
        let binaries = try PostgresServer.findBinaries()
        let lifetime = 120.0
        let running = try await OperatorOnSandbox.start(environment: ["CERTIFICATE_DURATION": "\(Int(lifetime))s", "EXPIRING_CHECK_THRESHOLD": "90s"])
        defer { running.tearDown() }
        let (sandbox, controller) = (running.sandbox, running.controller)

        try Self.apply(sandbox, instances: 2)
        let healthy = await Eventually.check(within: 180) {
            sandbox.jsonpath("cluster/cluster-example", ".status.readyInstances") == "2"
                && sandbox.jsonpath("cluster/cluster-example", ".status.phase") == "Cluster in healthy state"
        }
        try #require(healthy, "status: \(sandbox.jsonpath("cluster/cluster-example", ".status")) operator: \(controller.output.suffix(2000))")
        let primary = sandbox.jsonpath("cluster/cluster-example", ".status.currentPrimary")
        let replica = primary == "cluster-example-1" ? "cluster-example-2" : "cluster-example-1"
        let primaryIP = sandbox.jsonpath("pod/\(primary)", ".status.podIP")
        let replicaIP = sandbox.jsonpath("pod/\(replica)", ".status.podIP")
        let password = sandbox.secretValue("cluster-example-app", "password")
        let readWrite = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        let webhookCertificateBefore = sandbox.secretValue("cnpg-webhook-cert", #"tls\.crt"#, namespace: "cnpg-system")

        // Clients that follow the CA secret and open a new connection every 25 inserts.
        let trustedCA = try FollowedSecretValue(sandbox, secret: "cluster-example-ca", key: "ca.crt")
        let writer = try ClusterWrites.start(
            sandbox, binaries: binaries, host: readWrite, password: password, table: "writes",
            trustedCA: { trustedCA.value }, reconnectEvery: 25)
        let started = ContinuousClock.now
        var presented: [String: Set<String>] = [:]
        var refused: [String] = []
        var rejectedApplies: [String] = []
        var probes = 0
        // Longer than one lifetime: the certificates served at the start have expired by the end.
        while ContinuousClock.now - started < .seconds(lifetime + 15) {
            let caFile = try sandbox.directory.write("trusted-ca.crt", trustedCA.value)
            for (name, address, port) in [("primary:5432", primaryIP, 5432), ("primary:8000", primaryIP, 8000), ("replica:5432", replicaIP, 5432)] {
                let seen = Self.presented(address, port: port, caFile: caFile)
                if seen.verified { presented[name, default: []].insert(seen.pem) } else { refused.append(name) }
            }
            let probe = "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: rotation-probe}\nspec: {instances: 1, storage: {size: 1Gi}}\n"
            let applied = try sandbox.kubectl(["apply", "--dry-run=server", "-f", "-"], stdin: probe)
            if applied.status != 0 { rejectedApplies.append(applied.error) }
            probes += 1
            try await Task.sleep(for: .seconds(2))
        }
        let outcome = try await ClusterWrites.finish(
            writer, since: started, binaries: binaries, host: readWrite, password: password,
            table: "writes", resumeWithin: 10)
        await trustedCA.stop()

        let renewals =
            (try? sandbox.kubectl([
                "get", "events", "-o",
                #"jsonpath={range .items[?(@.reason=="CertificateRenewed")]}{.message}{"\n"}{end}"#,
            ]).output) ?? ""
        #expect(
            renewals.contains("Renewed cluster-example-ca") && renewals.contains("Renewed cluster-example-server")
                && renewals.contains("Renewed cluster-example-replication"), "\(renewals)")
        #expect(refused.isEmpty, "\(refused.count) of \(probes * 3) TLS probes failed verification: \(refused.prefix(5))")
        for endpoint in ["primary:5432", "primary:8000", "replica:5432"] {
            #expect((presented[endpoint]?.count ?? 0) >= 2, "\(endpoint) never presented a renewed certificate")
        }
        #expect(rejectedApplies.isEmpty, "applies rejected while the webhook certificate rotated: \(rejectedApplies.prefix(3))")
        #expect(sandbox.secretValue("cnpg-webhook-cert", #"tls\.crt"#, namespace: "cnpg-system") != webhookCertificateBefore)
        #expect(outcome.report.failedAttempts == 0, "\(outcome.report.failures.prefix(5))")
        #expect(outcome.missing.isEmpty && outcome.readBack.status == 0, "\(outcome.missing.prefix(10)) \(outcome.readBack.error)")
        // Streaming, as the primary's exporter (pg_monitor) sees it: the app user cannot read the state.
        let curl = try #require(ExternalTool.find("curl"))
        let streaming = await Eventually.check(within: 60) {
            let text = (try? ExternalTool.run(curl, ["-sS", "--max-time", "5", "http://\(primaryIP):9187/metrics"]).output) ?? ""
            return text.contains("cnpg_pg_replication_streaming_replicas 1")
        }
        #expect(streaming, "the replica should still stream: \((try? sandbox.kubectl(["logs", replica, "--tail", "40"]).output) ?? "")")
        let replicated = await Eventually.check(within: 30) {
            (try? PSQL.run(binaries, host: replicaIP, password: password, "SELECT count(*) FROM writes").output)?
                .trimmingCharacters(in: .whitespacesAndNewlines) == String(outcome.report.acknowledged.count)
        }
        #expect(replicated, "the replica should have every acknowledged insert")
        print(
            "e2e certificate rotation: \(Int(lifetime)) s certificates over \(Int((ContinuousClock.now - started).secondsValue)) s; "
                + "\(renewals.split(separator: "\n").count) renewals; certificates presented: "
                + presented.keys.sorted().map { "\($0) \(presented[$0]?.count ?? 0)" }.joined(separator: ", ")
                + "; \(probes * 3 - refused.count)/\(probes * 3) TLS probes verified; \(probes - rejectedApplies.count)/\(probes) applies admitted; "
                + outcome.report.summary)

        // Nothing is left behind: no process runs from the sandbox's directory once it stopped.
        #expect(await controller.stop() == .exited(0))
        #expect(sandbox.stop() == 0)
        let leftovers = await Eventually.check(within: 30) { sandbox.leftoverProcesses().isEmpty }
        #expect(leftovers, "processes left behind: \(sandbox.leftoverProcesses())")
    }
}
