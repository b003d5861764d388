import Foundation

/// Credential and certificate Secrets.
public enum SecretBuilder {
    public enum UserType: String, Sendable { case superuser, app }

    /// A `kubernetes.io/basic-auth` credentials secret with every key CNPG provides
    /// (username, user, password, dbname, host, port, pgpass, uri, jdbc-uri, fqdn-uri, fqdn-jdbc-uri).
    public static func credentials(
        for cluster: Cluster, name: String, userType: UserType, username: String, password: String,
        database: String, clusterDomain: String = "cluster.local"
    ) -> Secret {
        let clusterName = cluster.metadata.name ?? ""
        let namespace = cluster.metadata.namespace ?? "default"
        let host = "\(clusterName)-rw"
        let port = "5432"
        let encodedUser = percentEncoded(username)
        let encodedPassword = percentEncoded(password)
        let encodedDatabase = percentEncoded(database)
        func uri(_ host: String) -> String { "postgresql://\(encodedUser):\(encodedPassword)@\(host):\(port)/\(encodedDatabase)" }
        func jdbc(_ host: String) -> String { "jdbc:postgresql://\(host):\(port)/\(encodedDatabase)?password=\(encodedPassword)&user=\(encodedUser)" }
        let fqdn = "\(host).\(namespace).svc.\(clusterDomain)"
        let values: [String: String] = [
            "username": username, "user": username, "password": password, "dbname": database, "host": host, "port": port,
            "pgpass": "\(pgpassField(host)):\(port):\(pgpassField(database)):\(pgpassField(username)):\(pgpassField(password))\n",
            "uri": uri("\(host).\(namespace)"), "jdbc-uri": jdbc("\(host).\(namespace)"),
            "fqdn-uri": uri(fqdn), "fqdn-jdbc-uri": jdbc(fqdn),
        ]
        let metadata = ClusterObjectMetadata.make(
            for: cluster, name: name,
            labels: [
                CNPGLabels.userType: userType.rawValue, CNPGLabels.reload: "true",
            ])
        return Secret(metadata: metadata, type: "kubernetes.io/basic-auth", stringValues: values)
    }

    /// A certificate secret planned by the PKI (CA: Opaque `ca.crt`/`ca.key`; leaf: kubernetes.io/tls).
    public static func certificate(for cluster: Cluster, _ planned: CertificateSecretData) -> Secret {
        let isPoolerCertificate = planned.name == PoolerSecretNames.integrationSecret(cluster: cluster.metadata.name ?? "")
        return Secret(
            metadata: ClusterObjectMetadata.make(
                for: cluster, name: planned.name, clusterLabel: false,
                labels: isPoolerCertificate ? [CNPGLabels.reload: "true"] : [:]),
            type: planned.kind == .certificateAuthority ? "Opaque" : "kubernetes.io/tls", stringValues: planned.data)
    }

    /// `.pgpass` fields escape `\` and `:`.
    static func pgpassField(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ":", with: "\\:")
    }

    static func percentEncoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
