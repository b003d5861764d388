import CNPGCore
import Foundation
import Logging
import PostgresNIO

/// Runs monitoring queries as `cnpg_metrics_exporter` (peer authentication over the Unix socket,
/// never the superuser), each in a read-only transaction with CNPG's safe search_path, in every
/// database the query targets.
struct MonitoringQueryRunner: Sendable {
    static let user = "cnpg_metrics_exporter"
    let database: LocalDatabase
    let logger: Logger

    struct Context: Sendable {
        var isPrimary: Bool
        var version: [Int]
        var applicationDatabase: String
        var connectableDatabases: [String]
    }

    /// The families of one query, or the error that made it skip (the query's metrics are then absent).
    func run(_ query: MonitoringQuery, context: Context) async throws -> [MetricFamily] {
        if query.primaryOnly, !context.isPrimary { return [] }
        if let constraint = query.runOnServer, !QueryTargeting.version(context.version, satisfies: constraint) { return [] }
        var families = MetricFamilySet()
        let databases = QueryTargeting.databases(
            for: query, applicationDatabase: context.applicationDatabase,
            connectable: context.connectableDatabases)
        for name in databases {
            let rows = try await rows(of: query, in: name)
            families.add(contentsOf: try QueryMetricsMapper.families(for: query, rows: rows))
        }
        return families.families
    }

    private func rows(of query: MonitoringQuery, in databaseName: String) async throws -> [JSONValue] {
        let logger = self.logger
        return try await database.withConnection(database: databaseName, user: Self.user) { connection in
            try await connection.query("BEGIN READ ONLY", logger: logger)
            try await connection.query("SET LOCAL search_path = pg_catalog, public, pg_temp", logger: logger)
            try await connection.query("SET LOCAL standard_conforming_strings TO on", logger: logger)
            if let predicate = query.predicateQuery {
                let holds = try await connection.text("SELECT (\(Self.statement(predicate)))::text", logger: logger)
                guard holds == "true" else {
                    try await connection.query("ROLLBACK", logger: logger)
                    return []
                }
            }
            var rows: [JSONValue] = []
            // row_to_json keeps each column's name, order and type (numbers, booleans, arrays, NULL).
            let sql = "SELECT pg_catalog.row_to_json(q)::text FROM (\(Self.statement(query.query))) q"
            for values in try await connection.rows(sql, logger: logger) {
                guard let text = values.first ?? nil else { continue }
                rows.append(try JSONText.parse(text))
            }
            try await connection.query("ROLLBACK", logger: logger)
            return rows
        }
    }

    /// The SQL without trailing semicolons, so it can be wrapped as a subquery.
    static func statement(_ sql: String) -> String {
        var text = sql.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix(";") { text = String(text.dropLast()).trimmingCharacters(in: .whitespacesAndNewlines) }
        return text
    }

    func connectableDatabases() async throws -> [String] {
        let logger = self.logger
        return try await database.withConnection(user: Self.user) { connection in
            try await connection.rows(
                """
                SELECT datname::text FROM pg_catalog.pg_database
                WHERE datallowconn AND NOT datistemplate AND pg_catalog.has_database_privilege(datname, 'CONNECT')
                ORDER BY datname
                """, logger: logger
            ).compactMap { $0.first ?? nil }
        }
    }
}
