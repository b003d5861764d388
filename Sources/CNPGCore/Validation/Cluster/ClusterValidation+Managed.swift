import Foundation

extension ClusterValidation {
    static let reservedRoleNames: Set<String> = ["postgres", "streaming_replica"]

    public static func isReservedRoleName(_ name: String) -> Bool {
        reservedRoleNames.contains(name) || name.hasPrefix("cnpg_") || name.hasPrefix("pg_")
    }

    static func validateManaged(_ cluster: Cluster) -> ValidationResult {
        var result = ValidationResult()
        guard let managed = cluster.spec.managed else { return result }
        let path = Self.spec.child("managed")
        var roleNames: Set<String> = []
        for (i, role) in (managed.roles ?? []).enumerated() {
            let rolePath = path.child("roles").index(i)
            if role.name.isEmpty { result.add(.required(rolePath.child("name"))) }
            if !roleNames.insert(role.name).inserted { result.add(.duplicate(rolePath.child("name"), role.name)) }
            if containsLineBreakOrNUL(role.name) {
                result.add(.invalid(rolePath.child("name"), "<name>", "role names cannot contain line breaks or NUL characters"))
            }
            if isReservedRoleName(role.name) {
                result.add(.invalid(rolePath.child("name"), role.name, "this role name is reserved for the operator"))
            }
            if let limit = role.connectionLimit, limit < -1 {
                result.add(.invalid(rolePath.child("connectionLimit"), limit, "must be -1 (no limit) or greater"))
            }
            if role.disablePassword == true, role.passwordSecret != nil {
                result.add(.invalid(rolePath.child("disablePassword"), true, "disablePassword cannot be used together with passwordSecret"))
            }
            if let ensure = role.ensure, !["present", "absent"].contains(ensure) {
                result.add(.notSupported(rolePath.child("ensure"), ensure, ["present", "absent"]))
            }
        }
        if let services = managed.services {
            let servicesPath = path.child("services")
            for (i, disabled) in (services.disabledDefaultServices ?? []).enumerated() {
                let entry = servicesPath.child("disabledDefaultServices").index(i)
                if disabled == "rw" {
                    result.add(.invalid(entry, disabled, "the read-write service cannot be disabled"))
                } else if !["r", "ro"].contains(disabled) {
                    result.add(.notSupported(entry, disabled, ["r", "ro"]))
                }
            }
            let clusterName = cluster.metadata.name ?? ""
            let reserved = Set(["rw", "ro", "r", "any"].map { "\(clusterName)-\($0)" })
            var serviceNames: Set<String> = []
            for (i, service) in (services.additional ?? []).enumerated() {
                let servicePath = servicesPath.child("additional").index(i)
                let namePath = servicePath.child("serviceTemplate", "metadata", "name")
                let name = service.serviceTemplate.metadata?.name ?? ""
                if name.isEmpty {
                    result.add(.required(namePath))
                } else {
                    if reserved.contains(name) { result.add(.invalid(namePath, name, "this service name is reserved for the operator")) }
                    if !serviceNames.insert(name).inserted { result.add(.duplicate(namePath, name)) }
                }
                if !(service.serviceTemplate.spec?.selector ?? [:]).isEmpty {
                    result.add(.forbidden(servicePath.child("serviceTemplate", "spec", "selector"), "the selector is managed by the operator"))
                }
                if !["rw", "r", "ro"].contains(service.selectorType) {
                    result.add(.notSupported(servicePath.child("selectorType"), service.selectorType, ["rw", "r", "ro"]))
                }
            }
        }
        return result
    }

    static func validateMiscellaneous(_ cluster: Cluster) -> ValidationResult {
        var result = ValidationResult()
        let spec = cluster.spec
        if let secret = spec.superuserSecret, secret.name.isEmpty {
            result.add(.required(Self.spec.child("superuserSecret", "name")))
        }
        if spec.serviceAccountTemplate != nil, !(spec.serviceAccountName ?? "").isEmpty {
            result.add(.forbidden(Self.spec.child("serviceAccountName"), "serviceAccountName and serviceAccountTemplate are mutually exclusive"))
        }
        if let certificates = spec.certificates {
            let path = Self.spec.child("certificates")
            if !(certificates.serverTLSSecret ?? "").isEmpty {
                if (certificates.serverCASecret ?? "").isEmpty {
                    result.add(.required(path.child("serverCASecret"), "serverCASecret is required when serverTLSSecret is set"))
                }
                if !(certificates.serverAltDNSNames ?? []).isEmpty {
                    result.add(.forbidden(path.child("serverAltDNSNames"), "serverAltDNSNames cannot be used together with serverTLSSecret"))
                }
            }
            if !(certificates.replicationTLSSecret ?? "").isEmpty, (certificates.clientCASecret ?? "").isEmpty {
                result.add(.required(path.child("clientCASecret"), "clientCASecret is required when replicationTLSSecret is set"))
            }
        }
        for (i, variable) in (spec.env ?? []).enumerated() where isReservedEnvironmentVariable(variable.name) {
            result.add(.forbidden(Self.spec.child("env").index(i).child("name"), "the environment variable \(variable.name) is reserved for the operator"))
        }
        if let slots = spec.replicationSlots {
            let path = Self.spec.child("replicationSlots")
            if let prefix = slots.highAvailability?.slotPrefix, !prefix.matches("^[0-9a-z_]*$") {
                result.add(.invalid(path.child("highAvailability", "slotPrefix"), prefix, "only lowercase letters, digits and _ are allowed"))
            }
            for (i, pattern) in (slots.synchronizeReplicas?.excludePatterns ?? []).enumerated() where (try? NSRegularExpression(pattern: pattern)) == nil {
                result.add(.invalid(path.child("synchronizeReplicas", "excludePatterns").index(i), pattern, "not a valid regular expression"))
            }
            if slots.highAvailability?.synchronizeLogicalDecoding == true {
                let parameters = spec.postgresql?.parameters ?? [:]
                let usesFailoverSlots = parameters.keys.contains { $0.hasPrefix("pg_failover_slots.") }
                let major = spec.imageName.flatMap { try? ImageReference.postgresMajorVersion(of: $0).get() } ?? 0
                let nativeSupport =
                    major >= 17
                    && PostgresParameters.parseBool(parameters["hot_standby_feedback"] ?? "off") == true
                    && PostgresParameters.parseBool(parameters["sync_replication_slots"] ?? "off") == true
                if !nativeSupport, !usesFailoverSlots {
                    result.add(
                        .invalid(
                            path.child("highAvailability", "synchronizeLogicalDecoding"), true,
                            "requires PostgreSQL 17 or later with hot_standby_feedback and sync_replication_slots on, or pg_failover_slots"))
                }
            }
        }
        if let lease = spec.primaryLease {
            let path = Self.spec.child("primaryLease")
            let duration = lease.leaseDurationSeconds ?? 15
            let renew = lease.renewDeadlineSeconds ?? 10
            let retry = lease.retryPeriodSeconds ?? 2
            if duration <= renew {
                result.add(.invalid(path.child("leaseDurationSeconds"), duration, "must be greater than renewDeadlineSeconds (\(renew))"))
            }
            if 5 * Int(renew) <= 6 * Int(retry) {
                result.add(.invalid(path.child("renewDeadlineSeconds"), renew, "must be greater than 1.2 times retryPeriodSeconds (\(retry))"))
            }
        }
        if let probes = spec.probes {
            for (name, probe) in [("startup", probes.startup), ("readiness", probes.readiness)] {
                if let probe, probe.maximumLag != nil, probe.type != "streaming" {
                    result.add(.forbidden(Self.spec.child("probes", name, "maximumLag"), "maximumLag can only be used with the streaming probe type"))
                }
            }
        }
        if let ttl = spec.monitoring?.metricsQueriesTTL, GoDuration.seconds(ttl) == nil {
            result.add(.invalid(Self.spec.child("monitoring", "metricsQueriesTTL"), ttl, "must be a duration such as 30s"))
        }
        if let tls = spec.ephemeralVolumesSizeLimit {
            for (name, quantity) in [("shm", tls.shm), ("temporaryData", tls.temporaryData)] where quantity.map({ $0.value < 0 }) == true {
                result.add(.invalid(Self.spec.child("ephemeralVolumesSizeLimit", name), quantity!.text, "must not be negative"))
            }
        }
        return result
    }

    static func warnings(_ cluster: Cluster) -> ValidationResult {
        var result = ValidationResult()
        let spec = cluster.spec
        if spec.nodeMaintenanceWindow != nil {
            result.warn("spec.nodeMaintenanceWindow is deprecated: consider enablePDB instead")
        }
        if spec.backup?.barmanObjectStore != nil {
            result.warn(
                "spec.backup.barmanObjectStore: the in-tree Barman Cloud support is deprecated and will be removed in 1.31.0; use the Barman Cloud plugin")
        }
        if spec.backup?.retentionPolicy != nil, spec.backup?.barmanObjectStore == nil {
            result.warn("spec.backup.retentionPolicy has no effect without spec.backup.barmanObjectStore")
        }
        for (name, storage) in [("storage", spec.storage), ("walStorage", spec.walStorage)] {
            guard let storage else { continue }
            if storage.storageClass != nil, storage.pvcTemplate?.storageClassName != nil {
                result.warn("spec.\(name).storageClass overrides spec.\(name).pvcTemplate.storageClassName")
            }
            if storage.size != nil, storage.pvcTemplate?.resources?.requests?["storage"] != nil {
                result.warn("spec.\(name).size overrides spec.\(name).pvcTemplate.resources.requests.storage")
            }
        }
        if let sharedBuffers = spec.postgresql?.parameters?["shared_buffers"], sharedBuffers.allSatisfy(\.isNumber) {
            result.warn("spec.postgresql.parameters.shared_buffers has no unit: it is read as MB")
        }
        if spec.monitoring?.enablePodMonitor == true || !(spec.monitoring?.podMonitorRelabelings ?? []).isEmpty
            || !(spec.monitoring?.podMonitorMetricRelabelings ?? []).isEmpty
        {
            result.warn("spec.monitoring.enablePodMonitor and its relabelings are deprecated: create the PodMonitor yourself")
        }
        if let ttl = spec.monitoring?.metricsQueriesTTL, GoDuration.seconds(ttl) == 0 {
            result.warn("spec.monitoring.metricsQueriesTTL is 0: every scrape runs all monitoring queries")
        }
        if (spec.instances ?? 1) >= 2, !cluster.isReplicaCluster, spec.postgresql?.synchronous == nil,
            (spec.minSyncReplicas ?? 0) == 0, (spec.maxSyncReplicas ?? 0) == 0
        {
            result.warn("the cluster has \(spec.instances ?? 1) instances but no synchronous replication: a failover may lose committed transactions")
        }
        switch cluster.metadata.annotation(CNPGAnnotations.validation) {
        case nil, "enabled": break
        case "disabled": result.warn("validation is disabled by the \(CNPGAnnotations.validation) annotation")
        case let other?: result.warn("unknown value \"\(other)\" for \(CNPGAnnotations.validation): validation stays enabled")
        }
        return result
    }
}
