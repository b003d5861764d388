import CNPGCore
import Foundation
import Logging
import PostgresNIO

/// What only the primary does on every reconcile: the replication and monitoring roles, the HA
/// replication slots of the other instances, and the passwords of `postgres` and the app owner.
struct PrimaryDuties: Sendable {
    let database: LocalDatabase
    let podName: String

    /// CNPG's `streaming_replica` (certificate login, pg_rewind grants) and `cnpg_metrics_exporter`.
    func ensureSystemRoles() async throws {
        let statements = [
            """
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'streaming_replica') THEN
                CREATE USER streaming_replica REPLICATION;
                COMMENT ON ROLE streaming_replica IS 'Special user for streaming replication created by CloudNativePG';
              END IF;
              IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'cnpg_metrics_exporter') THEN
                CREATE ROLE cnpg_metrics_exporter WITH LOGIN PASSWORD NULL;
              END IF;
            END $$
            """,
            "ALTER USER streaming_replica LOGIN REPLICATION",
            "GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO streaming_replica",
            "GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO streaming_replica",
            "GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO streaming_replica",
            "GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO streaming_replica",
            "ALTER ROLE cnpg_metrics_exporter NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT LOGIN PASSWORD NULL",
            "GRANT pg_monitor TO cnpg_metrics_exporter",
        ]
        try await database.execute(statements)
    }

    /// PgBouncer's auth_query login (CNPG's automated Pooler integration): role
    /// `cnpg_pooler_pgbouncer` (certificate login, hba line 5) and `public.user_search`, which only
    /// it may call, returning a user's password verifier. PgBouncer 1.19+ calls it in `postgres`;
    /// older ones in the client's database, so it goes in every database and in template1 (for
    /// databases created later).
    func ensurePoolerIntegration() async throws {
        try await database.execute([
            """
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '\(ClusterPKI.poolerUser)') THEN
                CREATE ROLE \(ClusterPKI.poolerUser) WITH LOGIN;
              END IF;
            END $$
            """,
            "GRANT CONNECT ON DATABASE postgres TO \(ClusterPKI.poolerUser)",
        ])
        let logger = database.logger
        let databases = try await database.withConnection { connection in
            try await connection.rows("SELECT datname::text FROM pg_catalog.pg_database WHERE datallowconn ORDER BY 1", logger: logger).compactMap { $0[0] }
        }
        for name in databases {
            try await database.execute(Self.authFunctionStatements, database: name)
        }
    }

    static let authFunctionStatements = [
        """
        CREATE OR REPLACE FUNCTION public.user_search(uname TEXT)
          RETURNS TABLE (usename name, passwd text)
          LANGUAGE sql SECURITY DEFINER
          SET search_path = pg_catalog, pg_temp
          AS 'SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename = $1'
        """,
        "REVOKE ALL ON FUNCTION public.user_search(text) FROM public",
        "GRANT EXECUTE ON FUNCTION public.user_search(text) TO \(ClusterPKI.poolerUser)",
    ]

    /// A physical slot for every other instance; inactive HA slots of instances that are gone are dropped.
    func reconcileReplicationSlots(cluster: Cluster) async throws {
        let (enabled, prefix) = PostgresConfigurationRenderer.highAvailabilitySlots(cluster)
        let expected =
            enabled
            ? Set(
                (cluster.status?.instanceNames ?? []).filter { $0 != podName }
                    .map { PostgresConfigurationRenderer.replicationSlotName(prefix: prefix, instance: $0) }) : []
        let logger = database.logger
        try await database.withConnection { connection in
            let rows = try await connection.rows(
                "SELECT slot_name::text, active::text FROM pg_catalog.pg_replication_slots WHERE slot_type = 'physical'",
                logger: logger)
            let existing = Dictionary(rows.map { ($0[0] ?? "", $0[1] == "true") }, uniquingKeysWith: { first, _ in first })
            for slot in expected.sorted() where existing[slot] == nil {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT pg_catalog.pg_create_physical_replication_slot(\(try SQLQuoting.literal(slot)), true)"),
                    logger: logger)
                logger.info("created replication slot", metadata: ["slot": "\(slot)"])
            }
            for (slot, active) in existing where slot.hasPrefix(prefix) && !expected.contains(slot) && !active {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT pg_catalog.pg_drop_replication_slot(\(try SQLQuoting.literal(slot)))"),
                    logger: logger)
                logger.info("dropped replication slot", metadata: ["slot": "\(slot)"])
            }
        }
    }

    /// Sets a role's password to the SCRAM verifier of `password` (or NULL), with statement logging
    /// off for the transaction so the verifier never reaches the server log.
    func setPassword(role: String, password: String?) async throws {
        let value: String
        if let password {
            value = try SQLQuoting.literal(SCRAMSHA256.isVerifier(password) ? password : SCRAMSHA256.verifier(password: password))
        } else {
            value = "NULL"
        }
        try await database.transaction(["ALTER ROLE \(try SQLQuoting.identifier(role)) WITH PASSWORD \(value)"], unlogged: true)
    }

    /// Whether the role has a password set.
    func hasPassword(role: String) async throws -> Bool {
        let logger = database.logger
        return try await database.withConnection { connection in
            try await connection.text(
                "SELECT (rolpassword IS NOT NULL)::text FROM pg_catalog.pg_authid WHERE rolname = \(try SQLQuoting.literal(role))",
                logger: logger) == "true"
        }
    }
}
