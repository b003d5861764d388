/// Every configuration file an instance writes into PGDATA, rendered from the Cluster: pure, so
/// the instance manager only compares and writes.
public struct InstanceConfigurationFiles: Sendable, Equatable {
    public enum Role: Sendable, Equatable {
        case primary
        /// Streams from `primaryHost` (CNPG: the `<cluster>-rw` service).
        case standby(primaryHost: String)
    }

    /// Where this instance listens, when not CNPG's `*` on 5432 (several instances on one host).
    public struct Listening: Sendable, Equatable {
        public var addresses: String
        public var port: Int
        public init(addresses: String = "*", port: Int = 5432) {
            self.addresses = addresses
            self.port = port
        }
    }

    public var customConf: String
    /// custom.conf's `cnpg.config_sha256`: after a reload, the server runs this configuration once it reports it.
    public var configurationHash: String
    public var overrideConf: String
    public var pgHBA: String
    public var pgIdent: String
    public var standbySignal: Bool

    public static let managedFiles = ["custom.conf", "override.conf"]

    public static func render(
        cluster: Cluster, podName: String, role: Role, paths: InstancePaths, majorVersion: Int,
        listening: Listening = Listening(), osUser: String = "postgres",
        preserveMode: Bool = false
    ) throws(SQLQuoting.UnsafeText) -> InstanceConfigurationFiles {
        var overrides = paths.configurationOverrides
        if listening.addresses != "*" { overrides["listen_addresses"] = listening.addresses }
        if listening.port != 5432 { overrides["port"] = String(listening.port) }
        if preserveMode {
            // initdb's temporary start: only the locations, not the mandatory block.
            overrides = overrides.filter { $0.key == "log_directory" }
        }
        let custom = try PostgresConfigurationRenderer.customConfAndHash(
            cluster: cluster, majorVersion: majorVersion, topology: InstanceTopology(status: cluster.status),
            overrides: overrides, preserveMode: preserveMode)
        // A primary keeps recovery_target_timeline too: PostgreSQL flags any postmaster-level
        // setting removed from a file as pending a restart, so dropping it at promotion would
        // make every failover end in a restart of the new primary.
        var override = "recovery_target_timeline = 'latest'\n"
        var standby = false
        if case .standby(let host) = role {
            standby = true
            override = try standbyOverride(cluster: cluster, podName: podName, primaryHost: host, paths: paths, port: listening.port)
        }
        return InstanceConfigurationFiles(
            customConf: custom.text, configurationHash: custom.hash, overrideConf: override,
            pgHBA: HostBasedAccess.pgHBA(cluster: cluster, majorVersion: majorVersion),
            pgIdent: HostBasedAccess.pgIdent(cluster: cluster, osUser: osUser),
            standbySignal: standby)
    }

    /// override.conf of a standby: where to stream from, its HA slot, follow the newest timeline.
    static func standbyOverride(
        cluster: Cluster, podName: String, primaryHost: String, paths: InstancePaths,
        port: Int
    ) throws(SQLQuoting.UnsafeText) -> String {
        let conninfo = PrimaryConnInfo.make(host: primaryHost, port: port, applicationName: podName, paths: paths)
        var settings: [(String, String)] = [("primary_conninfo", conninfo)]
        let slots = PostgresConfigurationRenderer.highAvailabilitySlots(cluster)
        if slots.enabled {
            settings.append(("primary_slot_name", PostgresConfigurationRenderer.replicationSlotName(prefix: slots.prefix, instance: podName)))
        }
        settings.append(("recovery_target_timeline", "latest"))
        var text = ""
        for (key, value) in settings.sorted(by: { $0.0 < $1.0 }) {
            text += "\(key) = \(try SQLQuoting.configurationValue(value))\n"
        }
        return text
    }

    /// The lines CNPG appends to postgresql.conf so it loads custom.conf and override.conf, for
    /// each file not yet included (an empty string when both are).
    public static func includeLines(missingFrom postgresqlConf: String) -> String {
        var text = ""
        for file in managedFiles where !postgresqlConf.contains("include '\(file)'") {
            text += "\n# load CloudNativePG \(file) configuration\ninclude '\(file)'\n"
        }
        return text
    }
}
