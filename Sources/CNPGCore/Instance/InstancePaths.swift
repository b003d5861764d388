/// Where an instance keeps its files. The defaults are CNPG's in-pod paths; the sandbox and tests,
/// which run instances side by side without mount namespaces, move the controller directory.
public struct InstancePaths: Sendable, Equatable {
    public static let defaultControllerDirectory = "/controller"
    public static let defaultDataDirectory = "/var/lib/postgresql/data/pgdata"

    public var dataDirectory: String
    public var walDirectory: String?
    public var controllerDirectory: String

    public init(
        dataDirectory: String = defaultDataDirectory, walDirectory: String? = nil,
        controllerDirectory: String = defaultControllerDirectory
    ) {
        self.dataDirectory = dataDirectory
        self.walDirectory = (walDirectory ?? "").isEmpty ? nil : walDirectory
        self.controllerDirectory = controllerDirectory
    }

    public var certificatesDirectory: String { controllerDirectory + "/certificates" }
    public var socketDirectory: String { controllerDirectory + "/run" }
    public var logDirectory: String { controllerDirectory + "/log" }
    public var temporaryDirectory: String { controllerDirectory + "/tmp" }
    public var managerBinary: String { controllerDirectory + "/manager" }

    public func certificate(_ file: CertificateFile) -> String { certificatesDirectory + "/" + file.rawValue }
    public func dataFile(_ name: String) -> String { dataDirectory + "/" + name }

    /// The files written from the cluster's certificate secrets (CNPG's names).
    public enum CertificateFile: String, Sendable, CaseIterable {
        case serverCertificate = "server.crt"
        case serverKey = "server.key"
        case replicationCertificate = "streaming_replica.crt"
        case replicationKey = "streaming_replica.key"
        case clientCA = "client-ca.crt"
        case serverCA = "server-ca.crt"
    }

    /// postgresql.conf values that name these paths, for `PostgresConfigurationRenderer` overrides.
    /// Empty at CNPG's default location, where the mandatory settings already say the same.
    public var configurationOverrides: [String: String] {
        guard controllerDirectory != Self.defaultControllerDirectory else { return [:] }
        return [
            "archive_command": "\(managerBinary) wal-archive --log-destination \(logDirectory)/postgres.json %p",
            "ssl_cert_file": certificate(.serverCertificate),
            "ssl_key_file": certificate(.serverKey),
            "ssl_ca_file": certificate(.clientCA),
            "unix_socket_directories": socketDirectory,
            "log_directory": logDirectory,
        ]
    }
}
