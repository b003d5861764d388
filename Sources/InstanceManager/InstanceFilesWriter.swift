import CNPGCore
import Foundation

/// Writes what an instance needs on disk from its Cluster and Secrets: TLS files (0600) and the
/// PostgreSQL configuration files. Each call reports whether anything changed (reload needed).
struct InstanceFilesWriter: Sendable {
    struct MissingSecret: Error, CustomStringConvertible {
        let name: String
        let key: String
        var description: String { "secret \(name) has no key \(key) (or does not exist)" }
    }

    let paths: InstancePaths
    let podName: String
    let majorVersion: Int
    let listening: InstanceConfigurationFiles.Listening
    let osUser: String

    /// The certificate files from the secrets the Cluster names (CNPG's defaults when unnamed).
    func writeCertificates(cluster: Cluster, access: ClusterAccess) async throws -> Bool {
        let names = ClusterCertificateNames(cluster: cluster)
        let sources: [(InstancePaths.CertificateFile, String, String)] = [
            (.serverCertificate, names.serverTLSSecret, "tls.crt"), (.serverKey, names.serverTLSSecret, "tls.key"),
            (.replicationCertificate, names.replicationTLSSecret, "tls.crt"), (.replicationKey, names.replicationTLSSecret, "tls.key"),
            (.clientCA, names.clientCASecret, "ca.crt"), (.serverCA, names.serverCASecret, "ca.crt"),
        ]
        var secrets: [String: [String: String]] = [:]
        var changed = false
        for (file, secretName, key) in sources {
            if secrets[secretName] == nil { secrets[secretName] = try await access.secret(secretName)?.values ?? [:] }
            guard let value = secrets[secretName]?[key], !value.isEmpty else { throw MissingSecret(name: secretName, key: key) }
            changed = try ManagedFile.write(paths.certificate(file), value) || changed
        }
        return changed
    }

    /// What a configuration write did, and the hash the server reports once it runs that configuration.
    struct ConfigurationWrite {
        var changed: Bool
        var configurationHash: String
    }

    /// custom.conf, override.conf, pg_hba.conf, pg_ident.conf, standby.signal and the include lines.
    @discardableResult
    func writeConfiguration(cluster: Cluster, role: InstanceConfigurationFiles.Role, preserveMode: Bool = false) throws -> ConfigurationWrite {
        let files = try InstanceConfigurationFiles.render(
            cluster: cluster, podName: podName, role: role, paths: paths,
            majorVersion: majorVersion, listening: listening, osUser: osUser,
            preserveMode: preserveMode)
        var changed = false
        let postgresqlConf = paths.dataFile("postgresql.conf")
        let current = (try? String(contentsOfFile: postgresqlConf, encoding: .utf8)) ?? ""
        let includes = InstanceConfigurationFiles.includeLines(missingFrom: current)
        if !includes.isEmpty { changed = try ManagedFile.write(postgresqlConf, current + includes) || changed }
        changed = try ManagedFile.write(paths.dataFile("custom.conf"), files.customConf) || changed
        changed = try ManagedFile.write(paths.dataFile("override.conf"), files.overrideConf) || changed
        changed = try ManagedFile.write(paths.dataFile("pg_hba.conf"), files.pgHBA) || changed
        changed = try ManagedFile.write(paths.dataFile("pg_ident.conf"), files.pgIdent) || changed
        changed = try ManagedFile.setMarker(paths.dataFile("standby.signal"), present: files.standbySignal) || changed
        return ConfigurationWrite(changed: changed, configurationHash: files.configurationHash)
    }

    /// Whether PGDATA holds a standby (CNPG: `standby.signal`, or a legacy recovery.conf).
    var isStandbyOnDisk: Bool {
        FileManager.default.fileExists(atPath: paths.dataFile("standby.signal"))
            || FileManager.default.fileExists(atPath: paths.dataFile("recovery.conf"))
    }

    static func currentOSUser() -> String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "/" }
        return String(cString: name)
    }
}
