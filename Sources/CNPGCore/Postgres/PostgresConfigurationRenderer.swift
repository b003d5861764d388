import Crypto
import Foundation

/// The instances the operator currently sees, for settings that depend on them.
public struct InstanceTopology: Sendable, Equatable {
    public var primary: String?
    /// Ready standbys.
    public var healthyStandbys: [String]
    /// Standbys that exist but are not ready.
    public var otherStandbys: [String]

    public init(primary: String?, healthyStandbys: [String] = [], otherStandbys: [String] = []) {
        self.primary = primary
        self.healthyStandbys = healthyStandbys
        self.otherStandbys = otherStandbys
    }

    /// The topology the cluster's status records (what an instance manager knows).
    public init(status: ClusterStatus?) {
        let primary = (status?.currentPrimary ?? "").isEmpty ? nil : status?.currentPrimary
        let healthy = (status?.instancesStatus?["healthy"] ?? []).filter { $0 != primary }
        let others = (status?.instanceNames ?? []).filter { $0 != primary && !healthy.contains($0) }
        self.init(primary: primary, healthyStandbys: healthy, otherStandbys: others)
    }
}

/// Renders `custom.conf`, the PostgreSQL configuration the instance manager writes, following
/// CNPG's precedence: global defaults < user parameters < mandatory settings < computed settings.
public enum PostgresConfigurationRenderer {
    public static let mandatory: [(String, String)] = [
        ("archive_command", "/controller/manager wal-archive --log-destination /controller/log/postgres.json %p"),
        ("hot_standby", "true"),
        ("listen_addresses", "*"),
        ("port", "5432"),
        ("restart_after_crash", "false"),
        ("ssl", "on"),
        ("ssl_cert_file", "/controller/certificates/server.crt"),
        ("ssl_key_file", "/controller/certificates/server.key"),
        ("ssl_ca_file", "/controller/certificates/client-ca.crt"),
        ("unix_socket_directories", "/controller/run"),
    ]

    static let preloadNamespaces = ["pgaudit", "pg_stat_statements", "auto_explain", "pg_failover_slots"]

    /// Every parameter with its final value. `overrides` replace values last: instance-local paths
    /// where files do not live at CNPG's in-pod locations (tests, the sandbox without mount namespaces).
    /// `preserveMode` is `instance init`'s: the mandatory block is left out and nothing else changes.
    public static func parameters(
        cluster: Cluster, majorVersion: Int, topology: InstanceTopology,
        overrides: [String: String] = [:], preserveMode: Bool = false
    ) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in PostgresParameters.defaults + PostgresParameters.renderedDefaults { result[key] = value }
        let user = cluster.spec.postgresql?.parameters ?? [:]
        for (key, value) in user where !PostgresParameters.fixed.contains(key) && !PostgresParameters.blocked.contains(key) {
            result[key] = value
        }
        // Blocked logging settings keep the operator's values, which the defaults already hold.
        if !preserveMode {
            for (key, value) in mandatory { result[key] = value }
        }
        if majorVersion >= 17 { result["allow_alter_system"] = cluster.spec.postgresql?.enableAlterSystem == true ? "on" : "off" }
        result["archive_mode"] = ClusterDefaulting.computedArchiveMode(cluster)
        if let standbyNames = synchronousStandbyNames(cluster: cluster, topology: topology) {
            result["synchronous_standby_names"] = standbyNames.value
            result["cnpg.synchronous_standby_names_metadata"] = standbyNames.metadata
        }
        result["cluster_name"] = cluster.metadata.name ?? ""
        if cluster.isReplicaCluster, let delay = cluster.spec.replica?.minApplyDelay, let seconds = GoDuration.seconds(delay) {
            result["recovery_min_apply_delay"] = "\(Int(seconds.rounded(.down)))s"
        }
        var libraries: [String] = []
        for library in cluster.spec.postgresql?.shared_preload_libraries ?? [] where !libraries.contains(library) {
            libraries.append(library)
        }
        for namespace in preloadNamespaces where user.keys.contains(where: { $0.hasPrefix(namespace + ".") }) && !libraries.contains(namespace) {
            libraries.append(namespace)
        }
        result["shared_preload_libraries"] = libraries.joined(separator: ",")
        let temporary = (cluster.spec.tablespaces ?? []).filter { $0.temporary == true }.map(\.name).sorted()
        if !temporary.isEmpty { result["temp_tablespaces"] = temporary.joined(separator: ",") }
        result.merge(overrides) { _, override in override }
        return result
    }

    /// `custom.conf`: regular keys sorted, then `cnpg.*` keys, then the SHA-256 of the regular part.
    public static func customConf(
        cluster: Cluster, majorVersion: Int, topology: InstanceTopology,
        overrides: [String: String] = [:], preserveMode: Bool = false
    ) throws(SQLQuoting.UnsafeText) -> String {
        try customConfAndHash(
            cluster: cluster, majorVersion: majorVersion, topology: topology, overrides: overrides,
            preserveMode: preserveMode
        ).text
    }

    /// `custom.conf` and its `cnpg.config_sha256`, which the server reports once it runs that configuration.
    public static func customConfAndHash(
        cluster: Cluster, majorVersion: Int, topology: InstanceTopology, overrides: [String: String] = [:],
        preserveMode: Bool = false
    ) throws(SQLQuoting.UnsafeText) -> (text: String, hash: String) {
        let all = parameters(
            cluster: cluster, majorVersion: majorVersion, topology: topology, overrides: overrides,
            preserveMode: preserveMode)
        var regular = ""
        for key in all.keys.sorted() where !key.hasPrefix("cnpg.") {
            regular += "\(key) = \(try SQLQuoting.configurationValue(all[key]!))\n"
        }
        var text = regular
        for key in all.keys.sorted() where key.hasPrefix("cnpg.") {
            text += "\(key) = \(try SQLQuoting.configurationValue(all[key]!))\n"
        }
        let digest = SHA256.hash(data: Data(regular.utf8)).hexString
        text += "cnpg.config_sha256 = '\(digest)'\n"
        return (text, digest)
    }

    /// Whether the cluster uses high-availability slots (CNPG's default) and their prefix (`_cnpg_`).
    public static func highAvailabilitySlots(_ cluster: Cluster) -> (enabled: Bool, prefix: String) {
        let configuration = cluster.spec.replicationSlots?.highAvailability
        return (configuration?.enabled ?? true, configuration?.slotPrefix ?? "_cnpg_")
    }

    /// `synchronous_standby_names` for the explicit (`spec.postgresql.synchronous`) or legacy
    /// (`minSyncReplicas`/`maxSyncReplicas`) configuration, and its JSON metadata.
    public static func synchronousStandbyNames(cluster: Cluster, topology: InstanceTopology) -> (value: String, metadata: String)? {
        let healthy = topology.healthyStandbys.filter { $0 != topology.primary }.sorted()
        let method: String
        var number: Int
        var names: [String]
        if let synchronous = cluster.spec.postgresql?.synchronous {
            method = synchronous.method.uppercased()
            number = synchronous.number
            if synchronous.dataDurability == "preferred" {
                names = healthy
                if let cap = synchronous.maxStandbyNamesFromCluster { names = Array(names.prefix(cap)) }
                number = min(number, names.count)
                guard !names.isEmpty else { return nil }
            } else {
                let others = topology.otherStandbys.filter { $0 != topology.primary && !healthy.contains($0) }.sorted()
                names = healthy + others + (topology.primary.map { [$0] } ?? [])
                if let cap = synchronous.maxStandbyNamesFromCluster { names = Array(names.prefix(cap)) }
                names = (synchronous.standbyNamesPre ?? []) + names + (synchronous.standbyNamesPost ?? [])
                if names.isEmpty { names = ["\(cluster.metadata.name ?? "")-placeholder"] }
            }
        } else {
            let minimum = cluster.spec.minSyncReplicas ?? 0
            let maximum = cluster.spec.maxSyncReplicas ?? 0
            let ready = healthy.count
            number = maximum
            if ready < maximum { number = minimum }
            if ready < minimum { number = ready }
            number = min(number, healthy.count)
            guard number > 0 else { return nil }
            method = "ANY"
            names = healthy
        }
        let quotedNames = names.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",")
        let metadata = JSONText.serialize(
            .object([
                ("method", .string(method)), ("number", .int(Int64(number))), ("standbyNames", .array(names.map(JSONValue.string))),
            ]))
        return ("\(method) \(number) (\(quotedNames))", metadata)
    }

    /// The high-availability replication slot of an instance: lowercase prefix + name, runs of
    /// characters outside `[a-z0-9_]` replaced by `_`.
    public static func replicationSlotName(prefix: String = "_cnpg_", instance: String) -> String {
        var result = ""
        var previousReplaced = false
        for character in (prefix + instance).lowercased() {
            if character.isASCII, character.isLetter || character.isNumber || character == "_" {
                result.append(character)
                previousReplaced = false
            } else if !previousReplaced {
                result.append("_")
                previousReplaced = true
            }
        }
        return result
    }
}
