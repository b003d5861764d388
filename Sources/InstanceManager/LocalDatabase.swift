import CNPGCore
import Foundation
import Logging
import PostgresNIO

/// SQL on the local instance over its Unix socket, as the `postgres` role by peer authentication
/// (the manager runs as the OS user that owns PGDATA). One connection per call: the manager's
/// SQL is rare and short, and a dead postmaster then costs nothing to recover from. Commits are
/// local (`synchronous_commit = local`).
struct LocalDatabase: Sendable {
    let socketDirectory: String
    let port: Int
    let logger: Logger

    var socketPath: String { "\(socketDirectory)/.s.PGSQL.\(port)" }

    /// A connection the caller keeps and closes (a session that must outlive one call).
    func connect(database: String = "postgres") async throws -> PostgresConnection {
        let configuration = PostgresConnection.Configuration(unixSocketPath: socketPath, username: "postgres", password: nil, database: database)
        return try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
    }

    func withConnection<T: Sendable>(
        database: String = "postgres", user: String = "postgres",
        _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        var configuration = PostgresConnection.Configuration(unixSocketPath: socketPath, username: user, password: nil, database: database)
        if user != "postgres" { configuration.options.additionalStartupParameters = [("application_name", user)] }
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            // The manager's own statements (roles, passwords, slots) must not wait for a synchronous
            // standby: the first standby cannot join before they are done.
            if user == "postgres" { try await connection.query("SET synchronous_commit TO local", logger: logger) }
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs statements one by one (each its own implicit transaction).
    func execute(_ statements: [String], database: String = "postgres") async throws {
        try await withConnection(database: database) { connection in
            for statement in statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    /// Runs statements in one transaction (an error closes the connection, which rolls it back).
    /// `unlogged` keeps the statements out of the server log even when they fail: they carry
    /// password verifiers.
    func transaction(_ statements: [String], unlogged: Bool = false) async throws {
        let quiet = unlogged ? ["SET LOCAL log_statement = 'none'", "SET LOCAL log_min_error_statement = 'PANIC'"] : []
        try await execute(["BEGIN"] + quiet + statements + ["COMMIT"])
    }

    /// Whether a connection succeeds (the postmaster accepts connections).
    func isAccepting() async -> Bool {
        (try? await withConnection { connection in
            try await connection.query("SELECT 1", logger: logger)
        }) != nil
    }
}

extension PostgresConnection {
    /// The first column of the first row as text (the query casts what it selects to text), nil
    /// for no row or SQL NULL.
    func text(_ sql: String, logger: Logger) async throws -> String? {
        let rows = try await query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await row in rows {
            return try row.decode(String?.self)
        }
        return nil
    }

    func rows(_ sql: String, logger: Logger) async throws -> [[String?]] {
        var result: [[String?]] = []
        for try await row in try await query(PostgresQuery(unsafeSQL: sql), logger: logger) {
            var values: [String?] = []
            for cell in row {
                values.append(try cell.decode(String?.self))
            }
            result.append(values)
        }
        return result
    }
}
