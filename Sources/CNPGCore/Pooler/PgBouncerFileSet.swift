/// Every file a Pooler pod's PgBouncer reads, from the Pooler and the Secrets it names: the
/// configuration (`PgBouncerConfiguration`) and the certificates and keys (keys 0600).
public struct PgBouncerFileSet: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var path: String
        public var content: String
        public var mode: Int
    }

    public var files: [File]
    /// Whether PgBouncer should hold its clients (`spec.pgbouncer.paused`).
    public var paused: Bool

    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// `secrets`: each Secret's decoded data by name (missing ones absent).
    public static func make(
        pooler: Pooler, secretNames: PoolerSecretNames, secrets: [String: [String: String]],
        listenAddress: String, authDatabase: Bool = true
    ) throws(Problem) -> PgBouncerFileSet {
        func value(_ secret: String, _ key: String) throws(Problem) -> String {
            guard let data = secrets[secret] else { throw Problem(description: "secret \"\(secret)\" not found") }
            guard let text = data[key], !text.isEmpty else { throw Problem(description: "secret \"\(secret)\" has no \(key)") }
            return text
        }
        typealias Paths = PgBouncerConfiguration.Paths
        var files: [File] = [
            File(path: Paths.certificate("server-ca.crt"), content: try value(secretNames.serverCA, "ca.crt"), mode: 0o644),
            File(path: Paths.certificate("client-ca.crt"), content: try value(secretNames.clientCA, "ca.crt"), mode: 0o644),
            File(path: Paths.certificate("client-tls.crt"), content: try value(secretNames.clientTLS, "tls.crt"), mode: 0o644),
            File(path: Paths.certificate("client-tls.key"), content: try value(secretNames.clientTLS, "tls.key"), mode: 0o600),
        ]
        if let serverTLS = secretNames.serverTLS {
            files.append(File(path: Paths.certificate("server-tls.crt"), content: try value(serverTLS, "tls.crt"), mode: 0o644))
            files.append(File(path: Paths.certificate("server-tls.key"), content: try value(serverTLS, "tls.key"), mode: 0o600))
        }
        let authUser: PgBouncerConfiguration.AuthUser
        if let authQuery = secretNames.authQuery, secretNames.serverTLS == nil {
            authUser = .password(user: try value(authQuery, "username"), password: try value(authQuery, "password"))
        } else if let authQuery = secretNames.authQuery, let user = secrets[authQuery]?["username"], !user.isEmpty {
            authUser = .certificate(user: user)
        } else {
            authUser = .certificate(user: ClusterPKI.poolerUser)
        }
        let configuration = PgBouncerConfiguration.render(
            pooler: pooler, authUser: authUser, secrets: secretNames, listenAddress: listenAddress,
            authDatabase: authDatabase)
        files += [
            File(path: Paths.ini, content: configuration.ini, mode: 0o600), File(path: Paths.hba, content: configuration.hba, mode: 0o600),
            File(path: Paths.userlist, content: configuration.userlist, mode: 0o600),
        ]
        return PgBouncerFileSet(files: files, paused: pooler.spec.pgbouncer?.paused ?? false)
    }
}
