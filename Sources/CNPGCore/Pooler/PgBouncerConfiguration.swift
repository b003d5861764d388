/// The files PgBouncer runs with in a Pooler pod: `pgbouncer.ini`, its host-based access file and
/// its auth file, under `/controller` (the pod's scratch volume).
public struct PgBouncerConfiguration: Sendable, Equatable {
    public var ini: String
    public var hba: String
    public var userlist: String

    /// Where the pooler pod keeps them.
    public enum Paths {
        public static let root = "/controller"
        public static let configs = "/controller/configs"
        public static let certificates = "/controller/certificates"
        public static let socketDirectory = "/controller/run"
        public static let ini = "/controller/configs/pgbouncer.ini"
        public static let hba = "/controller/configs/pg_hba.conf"
        public static let userlist = "/controller/configs/userlist.txt"
        public static let pidFile = "/controller/pgbouncer.pid"
        public static func certificate(_ name: String) -> String { "\(certificates)/\(name)" }
    }

    /// The local admin console account (`PGUSER=pgbouncer` in the container, peer authentication).
    public static let adminUser = "pgbouncer"
    public static let port = 5432

    /// How PgBouncer logs in to PostgreSQL to run the auth query.
    public enum AuthUser: Sendable, Equatable {
        /// With the pooler client certificate (`server_tls_cert_file`), no password.
        case certificate(user: String)
        /// With a password from the authQuery Secret (basic-auth), kept in the auth file.
        case password(user: String, password: String)

        var name: String {
            switch self {
            case .certificate(let user), .password(let user, _): user
            }
        }
    }

    /// `listenAddress`: `*` on Kubernetes; the pod's own address where pods share a network (the sandbox).
    /// `authDatabase`: PgBouncer 1.19+ runs the auth query in database `postgres` (`auth_dbname`);
    /// older ones run it in the database the client asks for (the function is in every database).
    public static func render(
        pooler: Pooler, authUser: AuthUser, secrets: PoolerSecretNames, listenAddress: String = "*",
        authDatabase: Bool = true
    ) -> PgBouncerConfiguration {
        let cluster = pooler.spec.cluster.name
        let type = pooler.spec.type ?? "rw"
        let pgbouncer = pooler.spec.pgbouncer
        var settings: [(String, String)] = [
            ("pool_mode", pgbouncer?.poolMode ?? "session"),
            ("listen_addr", listenAddress), ("listen_port", String(port)),
            ("unix_socket_dir", Paths.socketDirectory), ("pidfile", Paths.pidFile),
            ("auth_type", "hba"), ("auth_hba_file", Paths.hba), ("auth_file", Paths.userlist),
            ("auth_user", authUser.name), ("auth_query", (pgbouncer?.authQuery ?? "").isEmpty ? PoolerSecretNames.defaultAuthQuery : pgbouncer!.authQuery!),
            ("admin_users", adminUser), ("stats_users", adminUser),
            ("ignore_startup_parameters", "extra_float_digits,options"),
            ("server_tls_sslmode", "verify-ca"), ("server_tls_ca_file", Paths.certificate("server-ca.crt")),
            ("client_tls_sslmode", "prefer"), ("client_tls_ca_file", Paths.certificate("client-ca.crt")),
            ("client_tls_cert_file", Paths.certificate("client-tls.crt")), ("client_tls_key_file", Paths.certificate("client-tls.key")),
        ]
        if authDatabase { settings.insert(("auth_dbname", "postgres"), at: settings.firstIndex { $0.0 == "auth_query" }! + 1) }
        if secrets.serverTLS != nil {
            settings += [("server_tls_cert_file", Paths.certificate("server-tls.crt")), ("server_tls_key_file", Paths.certificate("server-tls.key"))]
        }
        for (key, raw) in (pgbouncer?.parameters ?? [:]).sorted(by: { $0.key < $1.key }) {
            // One line each: a line break in a value must not add settings of its own.
            let value = raw.split(whereSeparator: \.isNewline).joined(separator: " ")
            if let index = settings.firstIndex(where: { $0.0 == key }) { settings[index].1 = value } else { settings.append((key, value)) }
        }
        let ini = """
            [databases]
            * = host=\(cluster)-\(type) port=\(port)

            [pgbouncer]
            \(settings.map { "\($0.0) = \($0.1)" }.joined(separator: "\n"))

            """
        // The admin console by peer authentication over the socket; the user's rules; then SCRAM
        // for everyone over TCP (the passwords come from the auth query).
        let hba =
            (["local pgbouncer pgbouncer peer"] + (pgbouncer?.pg_hba ?? [])
            + ["host all all 0.0.0.0/0 scram-sha-256", "host all all ::/0 scram-sha-256"]).joined(separator: "\n") + "\n"
        var userlist = ""
        if case .password(let user, let password) = authUser { userlist = "\(quoted(user)) \(quoted(password))\n" }
        return PgBouncerConfiguration(ini: ini, hba: hba, userlist: userlist)
    }

    /// The auth file's quoting: double quotes, a double quote doubled.
    static func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}

extension PgBouncerConfiguration {
    /// `PgBouncer 1.18.0` (the first line of `pgbouncer --version`) -> (1, 18).
    public static func version(fromVersionOutput output: String) -> (major: Int, minor: Int)? {
        guard let line = output.split(separator: "\n").first, line.hasPrefix("PgBouncer "),
            let numbers = line.split(separator: " ").dropFirst().first?.split(separator: ".").compactMap({ Int($0) }), numbers.count >= 2
        else { return nil }
        return (numbers[0], numbers[1])
    }

    /// Whether that version knows `auth_dbname` (1.19 and later).
    public static func supportsAuthDatabase(_ version: (major: Int, minor: Int)) -> Bool {
        version.major > 1 || (version.major == 1 && version.minor >= 19)
    }
}
