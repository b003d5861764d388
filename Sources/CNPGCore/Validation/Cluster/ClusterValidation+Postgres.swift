import Foundation

extension ClusterValidation {
    static func validatePostgresConfiguration(_ cluster: Cluster) -> ValidationResult {
        var result = ValidationResult()
        let spec = cluster.spec
        let path = Self.spec.child("postgresql")
        let parameters = spec.postgresql?.parameters ?? [:]
        let parametersPath = path.child("parameters")
        let instances = spec.instances ?? 1

        for key in parameters.keys.sorted() {
            let value = parameters[key]!
            if !key.matches(PostgresParameters.keyPattern) {
                result.add(.invalid(parametersPath.key(key), key, "invalid parameter name"))
                continue
            }
            if PostgresParameters.blocked.contains(key) || PostgresParameters.fixed.contains(key) {
                if let allowed = allowedValue(forFixed: key, cluster: cluster), allowed == value { continue }
                result.add(.forbidden(parametersPath.key(key), "Can't set fixed configuration parameter"))
            }
        }

        for key in parameters.keys.sorted() where containsLineBreakOrNUL(parameters[key]!) {
            result.add(.invalid(parametersPath.key(key), "<value>", "configuration values cannot contain line breaks or NUL characters"))
        }
        for (field, lines) in [("pg_hba", spec.postgresql?.pg_hba ?? []), ("pg_ident", spec.postgresql?.pg_ident ?? [])] {
            for (i, line) in lines.enumerated() where containsLineBreakOrNUL(line) {
                result.add(.invalid(path.child(field).index(i), "<line>", "each entry must be a single line"))
            }
        }

        let walLevel = parameters["wal_level"] ?? "logical"
        if !["logical", "replica", "minimal"].contains(walLevel) {
            result.add(.notSupported(parametersPath.key("wal_level"), walLevel, ["logical", "replica", "minimal"]))
        } else if walLevel == "minimal" {
            let archiveMode = parameters["archive_mode"] ?? ClusterDefaulting.computedArchiveMode(cluster)
            if instances > 1 {
                result.add(
                    .invalid(parametersPath.key("wal_level"), walLevel, "`replica` or `logical` is required when the cluster has more than one instance"))
            }
            if archiveMode != "off" {
                result.add(.invalid(parametersPath.key("wal_level"), walLevel, "`replica` or `logical` is required when WAL archiving is enabled"))
            }
            if cluster.isReplicaCluster {
                result.add(.invalid(parametersPath.key("wal_level"), walLevel, "`replica` or `logical` is required for replica clusters"))
            }
            if parameters["max_wal_senders"] != "0" {
                result.add(.invalid(parametersPath.key("max_wal_senders"), parameters["max_wal_senders"] ?? "", "must be 0 when wal_level is minimal"))
            }
        }
        if let hints = parameters["wal_log_hints"] {
            if let enabled = PostgresParameters.parseBool(hints) {
                if !enabled, instances > 1 {
                    result.add(.invalid(parametersPath.key("wal_log_hints"), hints, "wal_log_hints must be on when the cluster has more than one instance"))
                }
            } else {
                result.add(.invalid(parametersPath.key("wal_log_hints"), hints, "invalid boolean value"))
            }
        }
        for key in ["hot_standby_feedback", "sync_replication_slots"] {
            if let value = parameters[key], PostgresParameters.parseBool(value) == nil {
                result.add(.invalid(parametersPath.key(key), value, "invalid boolean value"))
            }
        }
        if let sharedBuffers = parameters["shared_buffers"] {
            if PostgresParameters.parseSize(sharedBuffers, defaultUnitBytes: 1 << 20) == nil {
                result.add(.invalid(parametersPath.key("shared_buffers"), sharedBuffers, "invalid size: use a number with an optional unit (kB, MB, GB, TB)"))
            }
        }
        result.merge(validateWalSizes(parameters: parameters, walStorage: spec.walStorage, path: parametersPath))

        let usesFailoverSlots = parameters.keys.contains { $0.hasPrefix("pg_failover_slots.") }
        if usesFailoverSlots {
            if PostgresParameters.parseBool(parameters["hot_standby_feedback"] ?? "off") != true {
                result.add(
                    .invalid(parametersPath.key("hot_standby_feedback"), parameters["hot_standby_feedback"] ?? "", "must be on when pg_failover_slots is used"))
            }
            if spec.replicationSlots?.highAvailability?.enabled == false {
                result.add(
                    .invalid(
                        Self.spec.child("replicationSlots", "highAvailability", "enabled"), false,
                        "high availability replication slots must be enabled when pg_failover_slots is used"))
            }
        }

        if let ldap = spec.postgresql?.ldap {
            let ldapPath = path.child("ldap")
            if (ldap.server ?? "").isEmpty { result.add(.required(ldapPath.child("server"), "the LDAP server is required when ldap is configured")) }
            if ldap.bindAsAuth != nil, ldap.bindSearchAuth != nil {
                result.add(.forbidden(ldapPath, "bindAsAuth and bindSearchAuth are mutually exclusive"))
            }
        }

        result.merge(validatePodSelectorRefs(spec))
        result.merge(validateExtensions(spec))
        return result
    }

    /// The only accepted value for a fixed/blocked key: what the operator itself writes (nil = never accepted).
    static func allowedValue(forFixed key: String, cluster: Cluster) -> String? {
        if key == "archive_mode" { return ClusterDefaulting.computedArchiveMode(cluster) }
        return PostgresParameters.defaults.first(where: { $0.0 == key })?.1
    }

    static func validateWalSizes(parameters: [String: String], walStorage: StorageConfiguration?, path: FieldPath) -> ValidationResult {
        var result = ValidationResult()
        var sizes: [String: Int64] = [:]
        for key in ["min_wal_size", "max_wal_size"] {
            guard let text = parameters[key] else { continue }
            if let bytes = PostgresParameters.parseSize(text, defaultUnitBytes: 1 << 20) {
                sizes[key] = bytes
            } else {
                result.add(.invalid(path.key(key), text, "invalid size"))
            }
        }
        let minimum = sizes["min_wal_size"] ?? 80 << 20
        let maximum = sizes["max_wal_size"] ?? 1 << 30
        if sizes["min_wal_size"] != nil || sizes["max_wal_size"] != nil, minimum >= maximum {
            result.add(.invalid(path.key("min_wal_size"), parameters["min_wal_size"] ?? "80MB", "min_wal_size must be lower than max_wal_size"))
        }
        if let sizeText = walStorage?.size, let walSize = try? Quantity(sizeText) {
            for key in ["min_wal_size", "max_wal_size"] {
                if let bytes = sizes[key], Int64(truncating: walSize.value as NSDecimalNumber) <= bytes {
                    result.add(.invalid(path.key(key), parameters[key]!, "\(key) must be lower than the WAL storage size"))
                }
            }
        }
        return result
    }

    static func validatePodSelectorRefs(_ spec: ClusterSpec) -> ValidationResult {
        var result = ValidationResult()
        var names: Set<String> = []
        for (i, ref) in (spec.podSelectorRefs ?? []).enumerated() {
            let path = Self.spec.child("podSelectorRefs").index(i).child("name")
            if !ref.name.matches("^[a-z]([a-z0-9_-]*[a-z0-9])?$") {
                result.add(.invalid(path, ref.name, "must match ^[a-z]([a-z0-9_-]*[a-z0-9])?$"))
            }
            if !names.insert(ref.name).inserted { result.add(.duplicate(path, ref.name)) }
        }
        for (i, line) in (spec.postgresql?.pg_hba ?? []).enumerated() {
            for reference in podSelectorReferences(in: line) where !names.contains(reference) {
                result.add(.invalid(Self.spec.child("postgresql", "pg_hba").index(i), line, "references undefined podSelectorRef \"\(reference)\""))
            }
        }
        return result
    }

    static func podSelectorReferences(in line: String) -> [String] {
        var references: [String] = []
        var rest = Substring(line)
        while let start = rest.range(of: "${podselector:") {
            rest = rest[start.upperBound...]
            guard let end = rest.firstIndex(of: "}") else { break }
            references.append(String(rest[..<end]))
            rest = rest[rest.index(after: end)...]
        }
        return references
    }

    static func validateExtensions(_ spec: ClusterSpec) -> ValidationResult {
        var result = ValidationResult()
        var names: Set<String> = []
        var volumes: Set<String> = []
        for (i, ext) in (spec.postgresql?.extensions ?? []).enumerated() {
            let path = Self.spec.child("postgresql", "extensions").index(i)
            if !names.insert(ext.name).inserted { result.add(.duplicate(path.child("name"), ext.name)) }
            let volume = "ext-" + ext.name.replacingOccurrences(of: "_", with: "-")
            if !volumes.insert(volume).inserted {
                result.add(.invalid(path.child("name"), ext.name, "the volume name \(volume) collides with another extension"))
            }
            if (ext.image.reference ?? "").isEmpty, spec.imageCatalogRef == nil {
                result.add(.required(path.child("image", "reference")))
            }
            let pathLists: [(String, [String]?)] = [
                ("extension_control_path", ext.extension_control_path), ("dynamic_library_path", ext.dynamic_library_path),
                ("ld_library_path", ext.ld_library_path), ("bin_path", ext.bin_path),
            ]
            for (field, entries) in pathLists {
                var seen: Set<String> = []
                for (j, entry) in (entries ?? []).enumerated() {
                    let entryPath = path.child(field).index(j)
                    if entry.isEmpty {
                        result.add(.required(entryPath))
                        continue
                    }
                    if !seen.insert(entry).inserted { result.add(.duplicate(entryPath, entry)) }
                    if entry.hasPrefix("/") || entry.split(separator: "/").contains("..") {
                        result.add(.invalid(entryPath, entry, "must be a relative path inside the extension image"))
                    }
                }
            }
            for (j, env) in (ext.env ?? []).enumerated() {
                let envPath = path.child("env").index(j).child("name")
                if !env.name.matches("^[a-zA-Z_][a-zA-Z0-9_]*$") { result.add(.invalid(envPath, env.name, "invalid environment variable name")) }
                if isReservedEnvironmentVariable(env.name) || ["PATH", "LD_LIBRARY_PATH"].contains(env.name) {
                    result.add(.forbidden(envPath, "the environment variable \(env.name) is reserved"))
                }
            }
        }
        return result
    }

    static func containsLineBreakOrNUL(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0 == "\n" || $0 == "\r" || $0 == "\0" }
    }

    /// Names CNPG reserves in `spec.env` (case-insensitive): `CNPG_*`, `PG*`, `POD_NAME`, `NAMESPACE`, `CLUSTER_NAME`.
    public static func isReservedEnvironmentVariable(_ name: String) -> Bool {
        let upper = name.uppercased()
        return upper.hasPrefix("CNPG_") || upper.hasPrefix("PG") || ["POD_NAME", "NAMESPACE", "CLUSTER_NAME"].contains(upper)
    }
}
