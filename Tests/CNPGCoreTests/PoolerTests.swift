import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The Pooler's pure parts: which Secrets it uses, PgBouncer's files, and the objects the operator creates.
@Suite struct PoolerBuilderTests {
    static func cluster() throws -> Cluster {
        var cluster = try ObjectCodec.decode(
            Cluster.self,
            from: JSONText.parse(
                #"{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","metadata":{"name":"pg","namespace":"db","uid":"c-1"},"spec":{"instances":3,"storage":{"size":"1Gi"}}}"#
            ))
        cluster.metadata.uid = "c-1"
        return cluster
    }

    static func pooler(_ pgbouncer: String = #"{"poolMode":"session"}"#, type: String = "rw") throws -> Pooler {
        try ObjectCodec.decode(
            Pooler.self,
            from: JSONText.parse(
                #"{"apiVersion":"postgresql.cnpg.io/v1","kind":"Pooler","metadata":{"name":"pool","namespace":"db","uid":"p-1"},"spec":{"cluster":{"name":"pg"},"instances":2,"type":"\#(type)","pgbouncer":\#(pgbouncer)}}"#
            ))
    }

    @Test("the automated integration uses the cluster's pooler certificate, server certificate and CAs; a manual one its own secret")
    func secretNames() throws {
        #expect(PoolerSecretNames.isAutomated(try Self.pooler()))
        let automated = PoolerSecretNames(pooler: try Self.pooler(), cluster: try Self.cluster())
        #expect(automated.serverTLS == "pg-pooler" && automated.serverCA == "pg-ca" && automated.clientTLS == "pg-server")
        #expect(automated.clientCA == "pg-ca" && automated.authQuery == nil)
        #expect(automated.all == ["pg-pooler", "pg-ca", "pg-server"])
        let manualPooler = try Self.pooler(#"{"authQuerySecret":{"name":"pg-superuser"},"authQuery":"SELECT usename, passwd FROM pg_shadow WHERE usename=$1"}"#)
        #expect(!PoolerSecretNames.isAutomated(manualPooler))
        let manual = PoolerSecretNames(pooler: manualPooler, cluster: try Self.cluster())
        #expect(manual.serverTLS == nil && manual.authQuery == "pg-superuser")
    }

    @Test("pgbouncer.ini points at the cluster's service of the pooler's type, verifies the server, takes the user's parameters one line each")
    func configuration() throws {
        let pooler = try Self.pooler(
            #"{"poolMode":"transaction","parameters":{"max_client_conn":"500","server_tls_protocols":"tlsv1.3","default_pool_size":"10\nadmin_users = intruder"},"pg_hba":["host all bob 0.0.0.0/0 reject"]}"#,
            type: "ro")
        let names = PoolerSecretNames(pooler: pooler, cluster: try Self.cluster())
        let files = PgBouncerConfiguration.render(
            pooler: pooler, authUser: .certificate(user: "cnpg_pooler_pgbouncer"), secrets: names, listenAddress: "127.0.5.9")
        let lines = files.ini.split(separator: "\n").map(String.init)
        #expect(lines.contains("* = host=pg-ro port=5432"))
        for expected in [
            "pool_mode = transaction", "listen_addr = 127.0.5.9", "auth_user = cnpg_pooler_pgbouncer", "auth_dbname = postgres",
            "auth_query = SELECT usename, passwd FROM public.user_search($1)", "server_tls_sslmode = verify-ca",
            "server_tls_cert_file = /controller/certificates/server-tls.crt", "max_client_conn = 500", "server_tls_protocols = tlsv1.3",
            "default_pool_size = 10 admin_users = intruder", "admin_users = pgbouncer",
        ] {
            #expect(lines.contains(expected), "\(expected) missing from \(files.ini)")
        }
        #expect(!lines.contains("admin_users = intruder"))
        #expect(
            files.hba
                == "local pgbouncer pgbouncer peer\nhost all bob 0.0.0.0/0 reject\nhost all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n")
        #expect(files.userlist.isEmpty)
        let older = PgBouncerConfiguration.render(pooler: pooler, authUser: .certificate(user: "cnpg_pooler_pgbouncer"), secrets: names, authDatabase: false)
        #expect(!older.ini.contains("auth_dbname"), "PgBouncer 1.18 refuses auth_dbname")
        #expect(PgBouncerConfiguration.version(fromVersionOutput: "PgBouncer 1.18.0\nlibevent 2.1.12-stable\n").map { [$0.major, $0.minor] } == [1, 18])
        #expect(PgBouncerConfiguration.version(fromVersionOutput: "pgbouncer") == nil)
        #expect(!PgBouncerConfiguration.supportsAuthDatabase((1, 18)) && PgBouncerConfiguration.supportsAuthDatabase((1, 25)))
        let basic = PgBouncerConfiguration.render(pooler: pooler, authUser: .password(user: "postgres", password: #"a"b"#), secrets: names)
        #expect(basic.userlist == "\"postgres\" \"a\"\"b\"\n")
    }

    @Test("the pod's files come from the Secrets listed in the Pooler's status; keys are private and a missing secret is named")
    func fileSet() throws {
        var pooler = try Self.pooler()
        pooler.status = try ObjectCodec.decode(
            PoolerStatus.self,
            from: JSONText.parse(
                #"{"secrets":{"serverTLS":{"name":"pg-pooler"},"serverCA":{"name":"pg-ca"},"clientTLS":{"name":"pg-server"},"clientCA":{"name":"pg-ca"}}}"#))
        let names = try #require(PoolerSecretNames(status: pooler.status))
        let secrets = [
            "pg-pooler": ["tls.crt": "POOLER CERT", "tls.key": "POOLER KEY"], "pg-ca": ["ca.crt": "CA"],
            "pg-server": ["tls.crt": "SERVER CERT", "tls.key": "SERVER KEY"],
        ]
        let set = try PgBouncerFileSet.make(pooler: pooler, secretNames: names, secrets: secrets, listenAddress: "*")
        let byPath = Dictionary(uniqueKeysWithValues: set.files.map { ($0.path, $0) })
        #expect(byPath["/controller/certificates/server-tls.key"]?.content == "POOLER KEY" && byPath["/controller/certificates/server-tls.key"]?.mode == 0o600)
        #expect(byPath["/controller/certificates/client-tls.crt"]?.content == "SERVER CERT")
        #expect(byPath["/controller/configs/pgbouncer.ini"]?.content.contains("auth_user = cnpg_pooler_pgbouncer") == true)
        #expect(!set.paused)
        #expect(throws: PgBouncerFileSet.Problem(description: "secret \"pg-pooler\" not found")) {
            try PgBouncerFileSet.make(pooler: pooler, secretNames: names, secrets: secrets.filter { $0.key != "pg-pooler" }, listenAddress: "*")
        }
        #expect(PoolerSecretNames(status: nil) == nil)
    }

    @Test("template and serviceTemplate: the user's fields win, containers and env merge by name, selectors and the pgbouncer port stay")
    func templates() throws {
        var pooler = try Self.pooler()
        pooler.spec.template = try ObjectCodec.decode(
            PodTemplateSpec.self,
            from: JSONText.parse(
                #"""
                {"metadata":{"labels":{"team":"db","cnpg.io/poolerName":"other"},"annotations":{"note":"x"}},
                 "spec":{"nodeSelector":{"disk":"ssd"},
                         "containers":[{"name":"pgbouncer","resources":{"limits":{"memory":"128Mi"}},"env":[{"name":"EXTRA","value":"1"},{"name":"PGUSER","value":"x"}]},
                                       {"name":"sidecar","image":"busybox","command":["sleep","infinity"]}],
                         "volumes":[{"name":"extra","emptyDir":{}}]}}
                """#))
        pooler.spec.serviceTemplate = try ObjectCodec.decode(
            ServiceTemplateSpec.self,
            from: JSONText.parse(
                #"{"metadata":{"annotations":{"lb":"yes"}},"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Local","selector":{"x":"y"}}}"#))
        let template = PoolerBuilder.deployment(for: pooler, configuration: OperatorConfiguration())["spec"]?["template"]
        #expect(template?["metadata"]?["labels"]?["team"] == .string("db"))
        #expect(template?["metadata"]?["labels"]?["cnpg.io/poolerName"] == .string("pool"), "the selector label stays the operator's")
        #expect(template?["metadata"]?["annotations"]?["note"] == .string("x") && template?["metadata"]?["annotations"]?["cnpg.io/poolerSpecHash"] != nil)
        #expect(template?["spec"]?["nodeSelector"]?["disk"] == .string("ssd"))
        let containers = template?["spec"]?["containers"]?.arrayValue ?? []
        #expect(containers.map { $0["name"]?.stringValue ?? "" } == ["pgbouncer", "sidecar"])
        #expect(containers[0]["command"] == .array(["/controller/manager", "pgbouncer", "run"].map(JSONValue.string)), "unset fields stay the operator's")
        #expect(containers[0]["resources"]?["limits"]?["memory"] == .string("128Mi"))
        let env = containers[0]["env"]?.arrayValue ?? []
        #expect(env.contains { $0["name"] == .string("EXTRA") } && env.filter { $0["name"] == .string("PGUSER") }.count == 1)
        #expect(env.first { $0["name"] == .string("PGUSER") }?["value"] == .string("x"))
        #expect(template?["spec"]?["volumes"]?.arrayValue?.map { $0["name"]?.stringValue ?? "" } == ["scratch-data", "kube-api-access", "extra"])
        let service = PoolerBuilder.service(for: pooler)
        #expect(service["spec"]?["type"] == .string("LoadBalancer") && service["spec"]?["externalTrafficPolicy"] == .string("Local"))
        #expect(service["spec"]?["selector"] == .object([("cnpg.io/poolerName", .string("pool"))]), "the selector stays the operator's")
        #expect(service["spec"]?["ports"]?.arrayValue?.first?["name"] == .string("pgbouncer"))
        #expect(service["metadata"]?["annotations"]?["lb"] == .string("yes"))
        #expect(PoolerBuilder.service(for: try Self.pooler())["spec"]?["type"] == .string("ClusterIP"))
    }

    @Test("the Deployment, Service and RBAC follow CNPG's: labels, uid 998, owner, a Role limited to its Pooler and Secrets; kubernetes-validate passes")
    func objects() throws {
        let pooler = try Self.pooler()
        let names = PoolerSecretNames(pooler: pooler, cluster: try Self.cluster())
        let deployment = PoolerBuilder.deployment(for: pooler, configuration: OperatorConfiguration())
        #expect(deployment["spec"]?["replicas"] == .int(2))
        #expect(deployment["metadata"]?["labels"]?["cnpg.io/podRole"] == .string("pooler"))
        #expect(deployment["metadata"]?["ownerReferences"]?.arrayValue?.first?["kind"] == .string("Pooler"))
        let pod = deployment["spec"]?["template"]?["spec"]
        #expect(pod?["securityContext"]?["runAsUser"] == .int(998) && pod?["securityContext"]?["fsGroup"] == .int(996))
        #expect(pod?["containers"]?.arrayValue?.first?["command"] == .array(["/controller/manager", "pgbouncer", "run"].map(JSONValue.string)))
        #expect(pod?["containers"]?.arrayValue?.first?["securityContext"]?["readOnlyRootFilesystem"] == .bool(true))
        let role = PoolerBuilder.role(for: pooler, secrets: names)
        #expect(role.rules?.first { $0.resources == ["secrets"] }?.resourceNames == ["pg-pooler", "pg-ca", "pg-server"])
        #expect(role.rules?.first { $0.resources == ["poolers"] }?.resourceNames == ["pool"])
        var changed = pooler
        changed.spec.instances = 3
        #expect(
            PoolerBuilder.deployment(for: changed, configuration: OperatorConfiguration())["metadata"]?["annotations"]?["cnpg.io/poolerSpecHash"]
                != deployment["metadata"]?["annotations"]?["cnpg.io/poolerSpecHash"])

        let tool = try #require(ExternalTool.find("kubernetes-validate"), "kubernetes-validate is missing: run scripts/install-test-deps.sh")
        let objects = [
            deployment, PoolerBuilder.service(for: pooler), ObjectCodec.encode(PoolerBuilder.serviceAccount(for: pooler)!),
            ObjectCodec.encode(role), ObjectCodec.encode(PoolerBuilder.roleBinding(for: pooler)),
        ]
        let file = try BuiltProducts.temporaryFile(ManifestValidator.render(objects, format: "yaml"))
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try ExternalTool.run(tool, ["--strict", file.path], timeout: 300)
        #expect(result.status == 0, "\(result.output.suffix(2000))\(result.error.suffix(2000))")
    }

    @Test("with a Pooler integration the cluster PKI keeps <cluster>-pooler: a client certificate for cnpg_pooler_pgbouncer from the client CA")
    func integrationCertificate() throws {
        let cluster = try Self.cluster()
        let plan = try ClusterPKI.reconcile(cluster: cluster, existing: [:], policy: CertificatePolicy(), now: Date(), poolerIntegration: true)
        let secret = try #require(plan.secrets.first { $0.name == "pg-pooler" })
        #expect(secret.kind == .tls && plan.expirations["pg-pooler"] != nil)
        #expect(SecretBuilder.certificate(for: cluster, secret).metadata.labels?["cnpg.io/reload"] == "true")
        let without = try ClusterPKI.reconcile(cluster: cluster, existing: [:], policy: CertificatePolicy(), now: Date())
        #expect(!without.secrets.contains { $0.name == "pg-pooler" })
        let leaf = try BuiltProducts.temporaryFile(secret.data["tls.crt"] ?? "")
        defer { try? FileManager.default.removeItem(at: leaf) }
        #expect(try OpenSSL.run(["x509", "-in", leaf.path, "-noout", "-subject", "-ext", "extendedKeyUsage"]).output.contains("CN = cnpg_pooler_pgbouncer"))
    }
}

/// The admin-console protocol and the metrics made of its answers.
@Suite struct PgBouncerMetricsTests {
    /// A server message: type byte, length (itself included), body.
    static func message(_ type: Character, _ body: [UInt8]) -> [UInt8] {
        [UInt8(ascii: type.unicodeScalars.first!)] + PgBouncerAdminProtocol.int32(Int32(body.count + 4)) + body
    }

    static func rowDescription(_ names: [String]) -> [UInt8] {
        var body: [UInt8] = [UInt8(names.count >> 8), UInt8(names.count & 0xFF)]
        for name in names { body += Array(name.utf8) + [0] + [UInt8](repeating: 0, count: 18) }
        return message("T", body)
    }

    static func dataRow(_ values: [String?]) -> [UInt8] {
        var body: [UInt8] = [UInt8(values.count >> 8), UInt8(values.count & 0xFF)]
        for value in values {
            guard let value else {
                body += PgBouncerAdminProtocol.int32(-1)
                continue
            }
            body += PgBouncerAdminProtocol.int32(Int32(value.utf8.count)) + Array(value.utf8)
        }
        return message("D", body)
    }

    @Test("the startup and query messages are framed as PostgreSQL's protocol 3.0 wants them")
    func framing() {
        let startup = PgBouncerAdminProtocol.startup(user: "pgbouncer", database: "pgbouncer")
        #expect(Array(startup[0..<4]) == PgBouncerAdminProtocol.int32(Int32(startup.count)))
        #expect(Array(startup[4..<8]) == [0, 3, 0, 0])
        #expect(String(decoding: startup[8...], as: UTF8.self).contains("user\u{0}pgbouncer\u{0}database\u{0}pgbouncer\u{0}"))
        #expect(PgBouncerAdminProtocol.query("SHOW LISTS;") == [81, 0, 0, 0, 16] + Array("SHOW LISTS;".utf8) + [0])
    }

    @Test("a reply split anywhere is read back as one result; errors and password requests are refused with their reason")
    func reading() throws {
        let reply =
            Self.rowDescription(["database", "user", "cl_active", "pool_mode"]) + Self.dataRow(["app", "app", "2", "session"])
            + Self.dataRow(["pgbouncer", "pgbouncer", "1", nil]) + Self.message("C", Array("SHOW\u{0}".utf8)) + Self.message("Z", [73])
        for cut in [1, 7, 30, reply.count - 1] {
            var reader = PgBouncerAdminProtocol.Reader()
            #expect(try !reader.feed(Array(reply[0..<cut])))
            #expect(try reader.feed(Array(reply[cut...])))
            #expect(
                reader.result
                    == .init(
                        columns: ["database", "user", "cl_active", "pool_mode"],
                        rows: [["app", "app", "2", "session"], ["pgbouncer", "pgbouncer", "1", nil]]))
        }
        var refused = PgBouncerAdminProtocol.Reader()
        #expect(throws: PgBouncerAdminProtocol.Failure("the admin console answered: no such user")) {
            try refused.feed(Self.message("E", Array("SFATAL\u{0}Mno such user\u{0}\u{0}".utf8)))
        }
        var password = PgBouncerAdminProtocol.Reader()
        #expect(throws: PgBouncerAdminProtocol.Failure("the admin console asks for authentication method 10; only peer authentication is supported")) {
            try password.feed(Self.message("R", PgBouncerAdminProtocol.int32(10)))
        }
    }

    @Test("SHOW LISTS, POOLS and STATS become CNPG's cnpg_pgbouncer_* gauges; promtool accepts them")
    func metrics() throws {
        let lists = PgBouncerAdminProtocol.ResultSet(columns: ["list", "items"], rows: [["databases", "2"], ["free_clients", "48"]])
        let pools = PgBouncerAdminProtocol.ResultSet(
            columns: ["database", "user", "cl_active", "sv_idle", "pool_mode"],
            rows: [["app", "app", "3", "1", "session"], ["pgbouncer", "pgbouncer", "1", "0", "statement"]])
        let stats = PgBouncerAdminProtocol.ResultSet(columns: ["database", "total_xact_count", "avg_query_time"], rows: [["app", "42", "1500"]])
        let text = MetricsText.render(PgBouncerMetrics.families(lists: lists, pools: pools, stats: stats))
        #expect(text.contains("cnpg_pgbouncer_lists_databases 2\n") && text.contains("cnpg_pgbouncer_lists_free_clients 48\n"), "\(text)")
        #expect(text.contains(#"cnpg_pgbouncer_pools_cl_active{database="app",user="app"} 3"#), "\(text)")
        #expect(text.contains(#"cnpg_pgbouncer_stats_total_xact_count{database="app"} 42"#), "\(text)")
        #expect(!text.contains("pool_mode"), "text columns are not metrics")
        guard let promtool = ExternalTool.find("promtool") else { throw TestFailure("promtool is not installed") }
        let check = try ExternalTool.run(promtool, ["check", "metrics"], stdin: text)
        // It parses; the only lint is about CNPG's own names (`total_xact_count` on a gauge), kept for its dashboards.
        let lint = (check.output + check.error).split(separator: "\n").filter { !$0.isEmpty }
        #expect(
            check.status == 0 || (check.status == 3 && lint.allSatisfy { $0.contains(#"should not have "_count" suffix"#) }),
            "\(check.status): \(check.output) \(check.error)")
    }
}
