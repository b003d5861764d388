import Foundation

/// CNPG's mutating webhook for Clusters (`SetDefaults`), applied after the CRD schema defaults.
public enum ClusterDefaulting {
    public static func apply(to cluster: inout Cluster, configuration: OperatorConfiguration = OperatorConfiguration()) {
        var spec = cluster.spec
        let annotations = cluster.metadata.annotations ?? [:]

        if (spec.imageName ?? "").isEmpty, spec.imageCatalogRef == nil {
            spec.imageName = configuration.postgresImageName
        }
        defaultBootstrap(&spec)

        var affinity = spec.affinity ?? AffinityConfiguration()
        if affinity.enablePodAntiAffinity != false, (affinity.podAntiAffinityType ?? "").isEmpty {
            affinity.podAntiAffinityType = "preferred"
        }
        spec.affinity = affinity

        if spec.backup != nil, (spec.backup?.target ?? "").isEmpty {
            spec.backup?.target = "prefer-standby"
        }

        var postgresql = spec.postgresql ?? PostgresConfiguration()
        var parameters = postgresql.parameters ?? [:]
        for (key, value) in PostgresParameters.defaults where parameters[key] == nil {
            parameters[key] = value
        }
        if parameters["archive_mode"] == nil {
            parameters["archive_mode"] = computedArchiveMode(cluster)
        }
        postgresql.parameters = parameters
        if postgresql.synchronous != nil, (postgresql.synchronous?.dataDurability ?? "").isEmpty {
            postgresql.synchronous?.dataDurability = "required"
        }
        if let quorum = annotations[CNPGAnnotations.failoverQuorum], let enabled = Bool(quorum.lowercased()), postgresql.synchronous != nil {
            postgresql.synchronous?.failoverQuorum = enabled
        }
        spec.postgresql = postgresql

        if (spec.logLevel ?? "").isEmpty { spec.logLevel = "info" }

        defaultMonitoring(&spec, configuration: configuration)
        defaultReplicationSlots(&spec)

        if var tablespaces = spec.tablespaces {
            let owner = spec.bootstrap?.initdb?.owner.flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
            for index in tablespaces.indices where (tablespaces[index].owner?.name ?? "").isEmpty {
                tablespaces[index].owner = DatabaseRoleRef(name: owner)
            }
            spec.tablespaces = tablespaces
        }

        if !configuration.includePlugins.isEmpty {
            var plugins = spec.plugins ?? []
            for name in configuration.includePlugins where !plugins.contains(where: { $0.name == name }) {
                plugins.append(PluginConfiguration(name: name, enabled: true))
            }
            spec.plugins = plugins
        }

        defaultIsolationCheck(&spec, annotations: annotations)
        cluster.spec = spec
    }

    /// `archive_mode` as the operator computes it.
    public static func computedArchiveMode(_ cluster: Cluster) -> String {
        if cluster.metadata.annotations?[CNPGAnnotations.skipWalArchiving] == "enabled" { return "off" }
        return cluster.isReplicaCluster ? "always" : "on"
    }

    private static func defaultBootstrap(_ spec: inout ClusterSpec) {
        var bootstrap = spec.bootstrap ?? BootstrapConfiguration()
        if var recovery = bootstrap.recovery {
            if (recovery.database ?? "").isEmpty { recovery.database = "app" }
            if (recovery.owner ?? "").isEmpty { recovery.owner = recovery.database }
            bootstrap.recovery = recovery
        } else if var basebackup = bootstrap.pg_basebackup {
            if (basebackup.database ?? "").isEmpty { basebackup.database = "app" }
            if (basebackup.owner ?? "").isEmpty { basebackup.owner = basebackup.database }
            bootstrap.pg_basebackup = basebackup
        } else {
            var initdb = bootstrap.initdb ?? BootstrapInitDB()
            let isMonolithImport = initdb.import?.type == "monolith"
            if !isMonolithImport {
                if (initdb.database ?? "").isEmpty { initdb.database = "app" }
                if (initdb.owner ?? "").isEmpty { initdb.owner = initdb.database }
            }
            if (initdb.encoding ?? "").isEmpty { initdb.encoding = "UTF8" }
            if (initdb.localeCollate ?? "").isEmpty { initdb.localeCollate = "C" }
            if (initdb.localeCType ?? "").isEmpty { initdb.localeCType = "C" }
            bootstrap.initdb = initdb
        }
        spec.bootstrap = bootstrap
    }

    private static func defaultMonitoring(_ spec: inout ClusterSpec, configuration: OperatorConfiguration) {
        var monitoring = spec.monitoring ?? MonitoringConfiguration()
        if monitoring.disableDefaultQueries != true {
            if let name = configuration.monitoringQueriesConfigMap {
                var refs = monitoring.customQueriesConfigMap ?? []
                if !refs.contains(where: { $0.name == name }) { refs.insert(KeySelector(name: name, key: "queries"), at: 0) }
                monitoring.customQueriesConfigMap = refs
            }
            if let name = configuration.monitoringQueriesSecret {
                var refs = monitoring.customQueriesSecret ?? []
                if !refs.contains(where: { $0.name == name }) { refs.insert(KeySelector(name: name, key: "queries"), at: 0) }
                monitoring.customQueriesSecret = refs
            }
        }
        if monitoring != MonitoringConfiguration() { spec.monitoring = monitoring }
    }

    private static func defaultReplicationSlots(_ spec: inout ClusterSpec) {
        var slots = spec.replicationSlots ?? ReplicationSlotsConfiguration()
        if slots.highAvailability == nil {
            slots.highAvailability = ReplicationSlotsHAConfiguration(enabled: true, slotPrefix: "_cnpg_")
        }
        if slots.highAvailability?.enabled == nil { slots.highAvailability?.enabled = true }
        if slots.highAvailability?.slotPrefix == nil { slots.highAvailability?.slotPrefix = "_cnpg_" }
        if slots.updateInterval == nil { slots.updateInterval = 30 }
        if slots.synchronizeReplicas == nil { slots.synchronizeReplicas = SynchronizeReplicasConfiguration(enabled: true) }
        spec.replicationSlots = slots
    }

    private static func defaultIsolationCheck(_ spec: inout ClusterSpec, annotations: [String: String]) {
        var probes = spec.probes ?? ProbesConfiguration()
        var liveness = probes.liveness ?? LivenessProbe()
        if liveness.isolationCheck == nil {
            if let pinger = annotations[CNPGAnnotations.livenessPinger], let parsed = parseLivenessPinger(pinger) {
                liveness.isolationCheck = parsed
            } else {
                liveness.isolationCheck = IsolationCheckConfiguration(enabled: true, requestTimeout: 1000, connectionTimeout: 1000)
            }
        }
        if liveness.isolationCheck?.requestTimeout == nil { liveness.isolationCheck?.requestTimeout = 1000 }
        if liveness.isolationCheck?.connectionTimeout == nil { liveness.isolationCheck?.connectionTimeout = 1000 }
        probes.liveness = liveness
        spec.probes = probes
    }

    /// The legacy `alpha.cnpg.io/livenessPinger` JSON annotation; it must contain `enabled`.
    public static func parseLivenessPinger(_ text: String) -> IsolationCheckConfiguration? {
        guard let json = try? JSONText.parse(text), case .bool(let enabled)? = json["enabled"] else { return nil }
        func int(_ key: String) -> Int? {
            if case .int(let i)? = json[key] { return Int(i) }
            return nil
        }
        return IsolationCheckConfiguration(
            enabled: enabled, requestTimeout: int("requestTimeout") ?? 1000,
            connectionTimeout: int("connectionTimeout") ?? 1000)
    }
}

extension Cluster {
    /// Replica-ness as CNPG decides it: `replica.enabled` when set, else `self` (or the cluster name) differs from `primary`.
    public var isReplicaCluster: Bool {
        guard let replica = spec.replica else { return false }
        if let enabled = replica.enabled { return enabled }
        let selfName = (replica.`self` ?? "").isEmpty ? (metadata.name ?? "") : replica.`self`!
        return selfName != (replica.primary ?? "")
    }
}
