/// Which Secrets a Pooler's PgBouncer uses, as CNPG resolves them: with the automated integration
/// (no authQuery, authQuerySecret or serverTLSSecret) it logs in to PostgreSQL with the cluster's
/// `<cluster>-pooler` client certificate (CN `cnpg_pooler_pgbouncer`) and runs CNPG's auth query;
/// it presents the cluster's server certificate to its clients and trusts the cluster's CAs.
public struct PoolerSecretNames: Sendable, Equatable {
    /// The client certificate PgBouncer presents to PostgreSQL (the auth_user's login); none when
    /// a manual integration logs in with a password from `authQuery`.
    public var serverTLS: String?
    /// The CA that signed PostgreSQL's server certificate.
    public var serverCA: String
    /// The certificate PgBouncer presents to its clients.
    public var clientTLS: String
    /// The CA client certificates must chain to.
    public var clientCA: String
    /// The Secret with the auth_user's credentials (basic-auth or TLS) in a manual integration.
    public var authQuery: String?

    public static let defaultAuthQuery = "SELECT usename, passwd FROM public.user_search($1)"

    /// The cluster's Secret with the pooler's client certificate.
    public static func integrationSecret(cluster: String) -> String { "\(cluster)-pooler" }

    public static func isAutomated(_ pooler: Pooler) -> Bool {
        let pgbouncer = pooler.spec.pgbouncer
        return (pgbouncer?.authQuerySecret?.name ?? "").isEmpty && (pgbouncer?.authQuery ?? "").isEmpty && (pgbouncer?.serverTLSSecret?.name ?? "").isEmpty
    }

    public init(pooler: Pooler, cluster: Cluster) {
        let clusterNames = ClusterCertificateNames(cluster: cluster)
        let pgbouncer = pooler.spec.pgbouncer
        func given(_ reference: LocalObjectReference?) -> String? { (reference?.name ?? "").isEmpty ? nil : reference?.name }
        let automated = Self.isAutomated(pooler)
        let integration = Self.integrationSecret(cluster: cluster.metadata.name ?? "")
        serverTLS = given(pgbouncer?.serverTLSSecret) ?? (automated ? integration : nil)
        serverCA = given(pgbouncer?.serverCASecret) ?? clusterNames.serverCASecret
        clientTLS = given(pgbouncer?.clientTLSSecret) ?? clusterNames.serverTLSSecret
        clientCA = given(pgbouncer?.clientCASecret) ?? clusterNames.clientCASecret
        authQuery = automated ? nil : given(pgbouncer?.authQuerySecret)
    }

    /// The names the operator resolved and wrote to the Pooler's status (what the pooler pod
    /// uses: its Role cannot read the Cluster); nil until the operator has written them.
    public init?(status: PoolerStatus?) {
        guard let secrets = status?.secrets, let serverCA = secrets.serverCA?.name, let clientTLS = secrets.clientTLS?.name,
            let clientCA = secrets.clientCA?.name
        else { return nil }
        self.serverCA = serverCA
        self.clientTLS = clientTLS
        self.clientCA = clientCA
        serverTLS = secrets.serverTLS?.name
        authQuery = secrets.pgBouncerSecrets?.authQuery?.name
    }

    /// Every Secret the pooler reads (its Role's resourceNames), without repeats.
    public var all: [String] {
        var seen: [String] = []
        for name in [authQuery, serverTLS, serverCA, clientTLS, clientCA].compactMap({ $0 }) where !seen.contains(name) { seen.append(name) }
        return seen
    }
}
