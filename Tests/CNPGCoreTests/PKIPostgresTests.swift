import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The generated cluster PKI in front of real PostgreSQL: TLS 1.3 only, replication by client certificate.
@Suite(.serialized) struct PKIPostgresTests {
    @Test func postgresAcceptsTheReplicationCertificateAndRefusesOthers() throws {
        let now = Date()
        let plan = try ClusterPKI.reconcile(
            cluster: Cluster(name: "cluster-example", namespace: "default"), existing: [:],
            policy: CertificatePolicy(), now: now)
        let secrets = Dictionary(uniqueKeysWithValues: plan.secrets.map { ($0.name, $0.data) })
        let ca = try #require(secrets["cluster-example-ca"])
        let server = try #require(secrets["cluster-example-server"])
        let replication = try #require(secrets["cluster-example-replication"])

        let postgres = try PostgresServer()
        defer { postgres.stop() }
        try postgres.writeDataFile("server.crt", try #require(server["tls.crt"]))
        try postgres.writeDataFile("server.key", try #require(server["tls.key"]))
        try postgres.writeDataFile("client-ca.crt", try #require(ca["ca.crt"]))
        try postgres.writeDataFile(
            "pg_hba.conf",
            """
            local all all trust
            hostssl all streaming_replica 127.0.0.1/32 cert
            hostssl all all 127.0.0.1/32 scram-sha-256
            """)
        try postgres.appendConfiguration([
            "ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'", "ssl_ca_file = 'client-ca.crt'",
            "ssl_min_protocol_version = 'TLSv1.3'", "ssl_max_protocol_version = 'TLSv1.3'",
        ])
        try postgres.start()
        try postgres.sql("CREATE ROLE streaming_replica LOGIN REPLICATION")

        let client = try TemporaryDirectory()
        let rootCert = try client.write("ca.crt", try #require(ca["ca.crt"]))
        let clientCert = try client.write("streaming_replica.crt", try #require(replication["tls.crt"]))
        let clientKey = try client.write("streaming_replica.key", try #require(replication["tls.key"]))
        let psql = postgres.binDirectory.appendingPathComponent("psql")
        let base = "host=127.0.0.1 port=\(postgres.port) dbname=postgres user=streaming_replica sslmode=verify-ca sslrootcert=\(rootCert)"

        let withCertificate = try ExternalTool.run(
            psql,
            [
                "-w", "-Atc", "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                "\(base) sslcert=\(clientCert) sslkey=\(clientKey)",
            ])
        #expect(withCertificate.status == 0, "\(withCertificate.error)")
        #expect(withCertificate.output.trimmingCharacters(in: .whitespacesAndNewlines) == "t|TLSv1.3")

        let withoutCertificate = try ExternalTool.run(psql, ["-w", "-Atc", "SELECT 1", "\(base) sslcert=/nonexistent sslkey=/nonexistent"])
        #expect(withoutCertificate.status != 0)
        #expect(withoutCertificate.error.contains("certificate"), "\(withoutCertificate.error)")

        let plaintext = try ExternalTool.run(
            psql, ["-w", "-Atc", "SELECT 1", "host=127.0.0.1 port=\(postgres.port) dbname=postgres user=streaming_replica sslmode=disable"])
        #expect(plaintext.status != 0)
        #expect(plaintext.error.contains("no pg_hba.conf entry"), "\(plaintext.error)")

        let tls12 = try OpenSSL.run(["s_client", "-connect", "127.0.0.1:\(postgres.port)", "-starttls", "postgres", "-tls1_2"], stdin: "")
        #expect(tls12.status != 0, "a TLS 1.2 client must be refused")
        let tls13 = try OpenSSL.run(["s_client", "-connect", "127.0.0.1:\(postgres.port)", "-starttls", "postgres", "-tls1_3", "-CAfile", rootCert], stdin: "")
        #expect(tls13.output.contains("TLSv1.3"), "\(tls13.output)\(tls13.error)")
        #expect(tls13.output.contains("Verify return code: 0 (ok)"))
    }
}
