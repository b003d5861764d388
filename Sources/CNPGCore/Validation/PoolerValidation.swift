/// CNPG's validating webhook for Poolers.
public enum PoolerValidation {
    public static let allowedParameters: Set<String> = [
        "application_name_add_host", "auth_type", "auth_user", "autodb_idle_timeout", "cancel_wait_timeout",
        "client_idle_timeout", "client_login_timeout", "client_tls_ciphers", "client_tls_sslmode", "client_tls13_ciphers",
        "default_pool_size", "disable_pqexec", "dns_max_ttl", "dns_nxdomain_ttl", "idle_transaction_timeout",
        "ignore_startup_parameters", "listen_backlog", "log_connections", "log_disconnections", "log_pooler_errors",
        "log_stats", "max_client_conn", "max_db_connections", "max_packet_size", "max_prepared_statements",
        "max_user_connections", "min_pool_size", "pkt_buf", "query_timeout", "query_wait_timeout", "reserve_pool_size",
        "reserve_pool_timeout", "sbuf_loopcnt", "server_check_delay", "server_check_query", "server_connect_timeout",
        "server_fast_close", "server_idle_timeout", "server_lifetime", "server_login_retry", "server_reset_query",
        "server_reset_query_always", "server_round_robin", "server_tls_ciphers", "server_tls13_ciphers",
        "server_tls_protocols", "server_tls_sslmode", "stats_period", "suspend_timeout", "tcp_defer_accept",
        "tcp_socket_buffer", "tcp_keepalive", "tcp_keepcnt", "tcp_keepidle", "tcp_keepintvl", "tcp_user_timeout",
        "track_extra_parameters", "verbose",
    ]

    public static func validate(_ pooler: Pooler) -> ValidationResult {
        var result = ValidationResult()
        let spec = FieldPath("spec")
        result.add(CommonValidation.objectName(pooler.metadata.name, maxLength: 253))
        if pooler.spec.cluster.name.isEmpty {
            result.add(.required(spec.child("cluster", "name")))
        } else if pooler.spec.cluster.name == pooler.metadata.name {
            result.add(.invalid(spec.child("cluster", "name"), pooler.spec.cluster.name, "the pooler resource cannot have the same name of a cluster"))
        }
        guard let pgbouncer = pooler.spec.pgbouncer else {
            result.add(.required(spec.child("pgbouncer"), "the pgbouncer configuration is required"))
            return result
        }
        let path = spec.child("pgbouncer")
        let hasAuthQuery = !(pgbouncer.authQuery ?? "").isEmpty
        let hasManualSecret = pgbouncer.authQuerySecret != nil || pgbouncer.serverTLSSecret != nil
        if hasManualSecret, !hasAuthQuery {
            result.add(.required(path.child("authQuery"), "authQuery is required when authQuerySecret or serverTLSSecret is set"))
        }
        if hasAuthQuery, !hasManualSecret {
            result.add(.required(path.child("authQuerySecret"), "authQuerySecret or serverTLSSecret is required when authQuery is set"))
        }
        if hasManualSecret || hasAuthQuery {
            result.warn("spec.pgbouncer: the authentication integration is manual: you manage the auth_query user and its secret")
        }
        if pgbouncer.authQuerySecret != nil {
            result.warn("spec.pgbouncer.authQuerySecret is deprecated")
        }
        for key in (pgbouncer.parameters ?? [:]).keys.sorted() where !allowedParameters.contains(key) {
            result.add(.invalid(path.child("parameters").key(key), key, "Invalid or reserved parameter"))
        }
        if !(pgbouncer.image ?? "").isEmpty, pgbouncer.imageCatalogRef != nil {
            result.add(.forbidden(path.child("imageCatalogRef"), "image and imageCatalogRef are mutually exclusive"))
        }
        if let monitoring = pooler.spec.monitoring, monitoring.tls?.enabled == true, monitoring.enablePodMonitor == true,
            pgbouncer.clientTLSSecret == nil
        {
            result.add(.required(path.child("clientTLSSecret"), "required when the PodMonitor scrapes metrics over TLS"))
        }
        return result
    }

    public static func validateUpdate(old: Pooler, new: Pooler) -> ValidationResult {
        var result = validate(new)
        if old.spec.cluster.name != new.spec.cluster.name {
            result.add(.invalid(FieldPath("spec").child("cluster", "name"), new.spec.cluster.name, "field is immutable"))
        }
        if (old.spec.serviceAccountName ?? "") != (new.spec.serviceAccountName ?? "") {
            result.add(.invalid(FieldPath("spec").child("serviceAccountName"), new.spec.serviceAccountName ?? "", "field is immutable"))
        }
        return result
    }
}

/// CNPG's validating webhooks for Backups and ScheduledBackups.
public enum BackupValidation {
    public static func validate(_ backup: Backup) -> ValidationResult {
        var result = ValidationResult()
        let spec = FieldPath("spec")
        result.add(CommonValidation.objectName(backup.metadata.name, maxLength: 253))
        if backup.spec.cluster.name.isEmpty { result.add(.required(spec.child("cluster", "name"))) }
        result.add(
            CommonValidation.backupMethod(
                method: backup.spec.method, online: backup.spec.online,
                onlineConfiguration: backup.spec.onlineConfiguration,
                pluginConfiguration: backup.spec.pluginConfiguration, spec: spec))
        if let deadline = backup.metadata.annotation(CNPGAnnotations.volumeSnapshotDeadline), Int(deadline) == nil {
            result.add(
                .invalid(
                    FieldPath("metadata").child("annotations").key(CNPGAnnotations.volumeSnapshotDeadline), deadline, "must be an integer number of minutes"))
        }
        return result
    }

    public static func validateUpdate(old: Backup, new: Backup) -> ValidationResult {
        var result = validate(new)
        if old.spec != new.spec {
            result.add(.invalid(FieldPath("spec"), "{...}", "BackupSpec is immutable once set"))
        }
        return result
    }

    public static func validate(_ scheduled: ScheduledBackup) -> ValidationResult {
        var result = ValidationResult()
        let spec = FieldPath("spec")
        result.add(CommonValidation.objectName(scheduled.metadata.name, maxLength: 253))
        if scheduled.spec.cluster.name.isEmpty { result.add(.required(spec.child("cluster", "name"))) }
        switch CronSchedule.parse(scheduled.spec.schedule) {
        case .success(let schedule):
            if schedule.fieldCount != 6 {
                result.warn("spec.schedule: the schedule has \(schedule.fieldCount) fields: CNPG schedules have 6, the first being seconds")
            }
        case .failure(let problem):
            result.add(.invalid(spec.child("schedule"), scheduled.spec.schedule, problem.message))
        }
        result.add(
            CommonValidation.backupMethod(
                method: scheduled.spec.method, online: scheduled.spec.online,
                onlineConfiguration: scheduled.spec.onlineConfiguration,
                pluginConfiguration: scheduled.spec.pluginConfiguration, spec: spec))
        return result
    }

    public static func validateUpdate(old: ScheduledBackup, new: ScheduledBackup) -> ValidationResult {
        var result = validate(new)
        if old.spec.cluster.name != new.spec.cluster.name {
            result.add(.invalid(FieldPath("spec").child("cluster", "name"), new.spec.cluster.name, "field is immutable"))
        }
        return result
    }
}
