import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// Rendered custom.conf, pg_hba.conf and pg_ident.conf run a real PostgreSQL, and our SCRAM
/// verifiers authenticate real logins.
@Suite(.serialized) struct PostgresRenderedConfigurationTests {
    @Test func renderedConfigurationEnforcesTLSAndSCRAM() throws {
        let major = Int(try PostgresServer.findBinaries().deletingLastPathComponent().lastPathComponent) ?? 15
        let report = try review(try clusterDocument("instances: 1\nstorage: {size: 1Gi}\npostgresql: {parameters: {work_mem: 8MB}}"))
        let cluster = try decodeDefaultedCluster(report)
        let pki = try ClusterPKI.reconcile(cluster: cluster, existing: [:], policy: CertificatePolicy(), now: Date())
        let secrets = Dictionary(uniqueKeysWithValues: pki.secrets.map { ($0.name, $0.data) })

        let postgres = try PostgresServer()
        defer { postgres.stop() }
        let data = postgres.dataDirectory.path
        try postgres.writeDataFile("server.crt", try #require(secrets["cluster-example-server"]?["tls.crt"]))
        try postgres.writeDataFile("server.key", try #require(secrets["cluster-example-server"]?["tls.key"]))
        try postgres.writeDataFile("client-ca.crt", try #require(secrets["cluster-example-ca"]?["ca.crt"]))
        let custom = try PostgresConfigurationRenderer.customConf(
            cluster: cluster, majorVersion: major, topology: InstanceTopology(primary: "cluster-example-1"),
            overrides: [
                "ssl_cert_file": "\(data)/server.crt", "ssl_key_file": "\(data)/server.key", "ssl_ca_file": "\(data)/client-ca.crt",
                "log_directory": "\(data)/log", "archive_command": "/bin/true", "unix_socket_directories": postgres.socketDirectory.path,
                "listen_addresses": "127.0.0.1", "port": String(postgres.port),
            ])
        try postgres.writeDataFile("custom.conf", custom)
        try postgres.writeDataFile("pg_hba.conf", HostBasedAccess.pgHBA(cluster: cluster, majorVersion: major))
        try postgres.writeDataFile("pg_ident.conf", HostBasedAccess.pgIdent(cluster: cluster, osUser: "postgres"))
        try postgres.appendConfiguration(["include 'custom.conf'"])
        try postgres.start()

        #expect(try postgres.sql("SHOW ssl_min_protocol_version") == "TLSv1.3")
        #expect(try postgres.sql("SHOW work_mem") == "8MB")
        #expect(try postgres.sql("SHOW cluster_name") == "cluster-example")
        let password = PasswordGenerator.generate()
        try postgres.sql("CREATE ROLE app LOGIN PASSWORD \(try SQLQuoting.literal(SCRAMSHA256.verifier(password: password)))")
        try postgres.sql("SET password_encryption = 'md5'; CREATE ROLE legacy LOGIN PASSWORD 'legacy-password'")
        try postgres.sql("CREATE ROLE nopassword LOGIN")

        let psql = postgres.binDirectory.appendingPathComponent("psql")
        func connect(_ user: String, password: String?, sslmode: String) throws -> ExternalTool.Result {
            var conninfo = "host=127.0.0.1 port=\(postgres.port) dbname=postgres user=\(user) sslmode=\(sslmode)"
            if let password { conninfo += " password=\(password)" }
            return try ExternalTool.run(
                psql, ["-w", "-Atc", "SELECT current_user || ' ' || (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())", conninfo])
        }

        let good = try connect("app", password: password, sslmode: "require")
        #expect(good.status == 0, "\(good.error)")
        #expect(good.output.trimmingCharacters(in: .whitespacesAndNewlines) == "app true")
        let wrong = try connect("app", password: "not-the-password", sslmode: "require")
        #expect(wrong.status != 0)
        #expect(wrong.error.contains("password authentication failed"))
        let plaintext = try connect("app", password: password, sslmode: "disable")
        #expect(plaintext.status != 0)
        #expect(plaintext.error.contains("no pg_hba.conf entry"), "\(plaintext.error)")
        let md5 = try connect("legacy", password: "legacy-password", sslmode: "require")
        #expect(md5.status != 0, "an md5-hashed password must not log in under scram-sha-256")
        let trust = try connect("nopassword", password: nil, sslmode: "require")
        #expect(trust.status != 0)
        #expect(trust.error.contains("password"), "\(trust.error)")
    }
}
