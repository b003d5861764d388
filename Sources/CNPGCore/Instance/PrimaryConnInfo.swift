/// The libpq connection string a standby uses to stream from the primary, in CNPG's token order:
/// replication user authenticated by its client certificate, server verified against the server CA.
public enum PrimaryConnInfo {
    public static func make(
        host: String, port: Int = 5432, applicationName: String, paths: InstancePaths,
        tcpUserTimeout: String = "5000", extra: [(String, String)] = []
    ) -> String {
        var tokens: [(String, String)] = [
            ("host", host), ("user", "streaming_replica"), ("port", String(port)),
            ("sslkey", paths.certificate(.replicationKey)), ("sslcert", paths.certificate(.replicationCertificate)),
            ("sslrootcert", paths.certificate(.serverCA)), ("application_name", applicationName),
            ("sslmode", "verify-ca"), ("dbname", "postgres"),
        ]
        tokens += extra
        var text = tokens.map { "\($0.0)=\(value($0.1))" }.joined(separator: " ")
        text += " tcp_user_timeout='\(escaped(tcpUserTimeout))'"
        return text
    }

    /// libpq values: bare when simple, else single-quoted with `\` and `'` backslash-escaped.
    static func value(_ text: String) -> String {
        let simple = !text.isEmpty && text.unicodeScalars.allSatisfy { !($0 == " " || $0 == "'" || $0 == "\\" || $0 == "\t" || $0 == "\n") }
        return simple ? text : "'\(escaped(text))'"
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
    }
}
