import Foundation

/// Knowledge about PostgreSQL settings the operator manages (CNPG's fixed, blocked and default GUCs).
public enum PostgresParameters {
    /// Parameters users may never set.
    public static let blocked: Set<String> = [
        "allow_system_table_mods", "bonjour", "bonjour_name", "config_file", "data_directory", "data_sync_retry",
        "event_source", "external_pid_file", "hba_file", "hot_standby", "ident_file", "jit_provider",
        "listen_addresses", "logging_collector", "unix_socket_directories", "unix_socket_group", "unix_socket_permissions",
        "archive_cleanup_command", "log_destination", "log_directory", "log_file_mode", "log_filename",
        "log_rotation_age", "log_rotation_size", "log_truncate_on_rotation", "promote_trigger_file",
        "recovery_end_command", "recovery_min_apply_delay", "restart_after_crash", "stats_temp_directory",
        "syslog_facility", "syslog_ident", "syslog_sequence_numbers", "syslog_split_messages",
    ]

    /// Parameters the operator computes itself.
    public static let fixed: Set<String> = [
        "archive_mode", "cluster_name", "port", "primary_conninfo", "primary_slot_name", "recovery_target",
        "recovery_target_action", "recovery_target_inclusive", "recovery_target_lsn", "recovery_target_name",
        "recovery_target_time", "recovery_target_timeline", "recovery_target_xid", "restore_command",
        "shared_preload_libraries", "temp_tablespaces",
        "archive_command", "pg_failover_slots.primary_dsn", "pg_failover_slots.standby_slot_names", "ssl",
        "ssl_ca_file", "ssl_cert_file", "ssl_crl_file", "ssl_dh_params_file", "ssl_key_file",
        "ssl_passphrase_command", "ssl_passphrase_command_supports_reload", "ssl_prefer_server_ciphers",
        "synchronous_standby_names", "synchronized_standby_slots",
    ]

    /// Global defaults written into `spec.postgresql.parameters` by defaulting (archive_mode is computed).
    public static let defaults: [(String, String)] = [
        ("archive_timeout", "5min"),
        ("dynamic_shared_memory_type", "posix"),
        ("full_page_writes", "on"),
        ("logging_collector", "on"),
        ("log_destination", "csvlog"),
        ("log_directory", "/controller/log"),
        ("log_filename", "postgres"),
        ("log_rotation_age", "0"),
        ("log_rotation_size", "0"),
        ("log_truncate_on_rotation", "false"),
        ("max_parallel_workers", "32"),
        ("max_worker_processes", "32"),
        ("max_replication_slots", "32"),
        ("shared_memory_type", "mmap"),
        ("ssl_max_protocol_version", "TLSv1.3"),
        ("ssl_min_protocol_version", "TLSv1.3"),
        ("wal_keep_size", "512MB"),
        ("wal_level", "logical"),
        ("wal_log_hints", "on"),
        ("wal_sender_timeout", "5s"),
        ("wal_receiver_timeout", "5s"),
        ("shared_preload_libraries", ""),
    ]

    /// Rendered into postgresql.conf unless the user sets them, but not written into the spec (they
    /// are not CNPG's defaults). A standby whose connection to the -rw service failed during a
    /// failover retries after `wal_retrieve_retry_interval` (PostgreSQL's default 5 s); with
    /// synchronous replication the new primary accepts no commit until a standby streams again,
    /// so that wait is part of the write outage. 1 s bounds it at little cost (one connection
    /// attempt a second while no primary answers).
    public static let renderedDefaults: [(String, String)] = [
        ("wal_retrieve_retry_interval", "1s")
    ]

    public static let keyPattern = "^[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?$"

    /// PostgreSQL's boolean spellings (case-insensitive, unique prefixes of on/off/true/false/yes/no, 1/0).
    public static func parseBool(_ text: String) -> Bool? {
        let value = text.lowercased().trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return nil }
        if ["1"].contains(value) { return true }
        if ["0"].contains(value) { return false }
        if value == "on" { return true }
        if value == "of" || value == "off" { return false }
        if "true".hasPrefix(value) || "yes".hasPrefix(value) { return true }
        if "false".hasPrefix(value) || "no".hasPrefix(value) { return false }
        return nil
    }

    /// Parses a PostgreSQL memory size into bytes; a bare number is in `defaultUnit` (kB for most, MB for WAL sizes).
    public static func parseSize(_ text: String, defaultUnitBytes: Int64) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber }
        guard !digits.isEmpty, let number = Int64(digits) else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let multipliers: [String: Int64] = ["": defaultUnitBytes, "B": 1, "kB": 1024, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40]
        guard let multiplier = multipliers[unit] else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}
