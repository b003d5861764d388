import ArgumentParser
import CNPGCore
import Foundation
import Logging

/// `instance init`: a new primary's data directory (the `<pod>-initdb` job).
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Initialise a new primary: initdb, configuration, application database and owner."
    )

    @OptionGroup var options: InstanceOptions

    @Option(name: .customLong("initdb-flags"), parsing: .unconditional, help: "Extra initdb flags, as one shell-quoted list.")
    var initdbFlags = ""

    @Option(name: .customLong("app-db-name"), help: "The application database to create.")
    var applicationDatabase: String?

    @Option(name: .customLong("app-user"), help: "The owner of the application database.")
    var applicationUser: String?

    @Option(name: .customLong("post-init-sql"), parsing: .unconditional, help: "SQL run on the postgres database, as one shell-quoted list.")
    var postInitSQL = ""

    @Option(name: .customLong("post-init-template-sql"), parsing: .unconditional, help: "SQL run on template1, as one shell-quoted list.")
    var postInitTemplateSQL = ""

    @Option(name: .customLong("post-init-application-sql"), parsing: .unconditional, help: "SQL run on the application database, as one shell-quoted list.")
    var postInitApplicationSQL = ""

    func validate() throws {
        if (applicationDatabase == nil) != (applicationUser == nil) {
            throw ValidationError("--app-db-name and --app-user go together")
        }
        for (text, flag) in [
            (initdbFlags, "--initdb-flags"), (postInitSQL, "--post-init-sql"),
            (postInitTemplateSQL, "--post-init-template-sql"), (postInitApplicationSQL, "--post-init-application-sql"),
        ] {
            do { _ = try ShellQuoting.split(text) } catch { throw ValidationError("\(flag): \(error)") }
        }
    }

    func run() async throws {
        try await options.withContext("instance-init", initialise)
    }

    func initialise(_ context: InstanceContext) async throws {
        let (logger, binaries, paths) = (context.logger, context.binaries, options.paths)

        try await DataDirectory.clear(paths: paths, binaries: binaries, logger: logger)
        umask(0o077)
        var arguments = ["--username", "postgres", "-D", paths.dataDirectory]
        if let wal = paths.walDirectory { arguments += ["--waldir", wal] }
        arguments += try ShellQuoting.split(initdbFlags)
        let initdb = try await ChildProcess.run(
            binaries.path("initdb"), arguments, timeout: .seconds(600),
            scratchDirectory: paths.temporaryDirectory)
        guard initdb.succeeded else { throw Postmaster.Failure(description: "initdb failed (\(initdb.termination)): \(initdb.error)") }
        logger.info("initdb done", metadata: ["pgdata": "\(paths.dataDirectory)"])

        try context.writer.writeConfiguration(cluster: context.cluster, role: .primary, preserveMode: true)

        // A temporary server on the Unix socket only: no TLS files exist yet, and nothing may connect.
        try await Self.withTemporaryServer(binaries: binaries, paths: paths, port: options.port, logger: logger) { database in
            try await createApplicationObjects(database)
        }
        logger.info("instance initialised", metadata: ["pod": "\(options.podName)"])
    }

    /// Runs `body` against a server for the manager alone (the Unix socket only, no archiving, no
    /// synchronous standby to wait for), stopped afterwards whatever happens.
    static func withTemporaryServer(
        binaries: PostgresBinaries, paths: InstancePaths, port: Int, logger: Logger,
        _ body: (LocalDatabase) async throws -> Void
    ) async throws {
        let postmaster = Postmaster(binaries: binaries, paths: paths, logger: logger)
        try await postmaster.start(extraArguments: [
            "-c", "listen_addresses=", "-c", "port=\(port)", "-c", "unix_socket_directories=\(paths.socketDirectory)",
            "-c", "logging_collector=off", "-c", "log_destination=stderr", "-c", "archive_mode=off", "-c", "synchronous_standby_names=",
        ])
        let database = LocalDatabase(socketDirectory: paths.socketDirectory, port: port, logger: logger)
        do {
            try await waitUntilAccepting(database, postmaster: postmaster)
            try await body(database)
        } catch {
            await postmaster.shutdownFastImmediate(timeoutSeconds: 60)
            throw error
        }
        await postmaster.shutdownFastImmediate(timeoutSeconds: 120)
    }

    static func waitUntilAccepting(_ database: LocalDatabase, postmaster: Postmaster) async throws {
        for _ in 0..<600 {
            if await database.isAccepting() { return }
            guard await postmaster.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Postmaster.Failure(description: "the temporary PostgreSQL server did not accept connections")
    }

    func createApplicationObjects(_ database: LocalDatabase) async throws {
        if let user = applicationUser { try await Self.ensureRole(user, in: database) }
        try await database.execute(try ShellQuoting.split(postInitSQL))
        try await database.execute(try ShellQuoting.split(postInitTemplateSQL), database: "template1")
        if let name = applicationDatabase, let user = applicationUser {
            try await Self.ensureDatabase(name, owner: user, in: database)
            try await database.execute(try ShellQuoting.split(postInitApplicationSQL), database: name)
        }
    }

    static func ensureRole(_ user: String, in database: LocalDatabase) async throws {
        let exists = try await database.withConnection { connection in
            try await connection.text("SELECT 1::text FROM pg_roles WHERE rolname = \(try SQLQuoting.literal(user))", logger: database.logger)
        }
        if exists == nil { try await database.execute(["CREATE ROLE \(try SQLQuoting.identifier(user)) LOGIN"]) }
    }

    static func ensureDatabase(_ name: String, owner: String, in database: LocalDatabase) async throws {
        let exists = try await database.withConnection { connection in
            try await connection.text("SELECT 1::text FROM pg_database WHERE datname = \(try SQLQuoting.literal(name))", logger: database.logger)
        }
        if exists == nil {
            try await database.execute(["CREATE DATABASE \(try SQLQuoting.identifier(name)) OWNER \(try SQLQuoting.identifier(owner))"])
        }
    }
}

/// Preparing PGDATA for a new initdb or base backup.
enum DataDirectory {
    /// A previous data directory that pg_controldata recognises is kept aside as `<dir>_<timestamp>`;
    /// anything else there is removed.
    static func clear(paths: InstancePaths, binaries: PostgresBinaries, logger: Logger) async throws {
        for directory in [paths.dataDirectory, paths.walDirectory].compactMap({ $0 }) where FileManager.default.fileExists(atPath: directory) {
            let control = try await ChildProcess.run(
                binaries.path("pg_controldata"), [paths.dataDirectory], timeout: .seconds(30),
                scratchDirectory: paths.temporaryDirectory)
            if control.succeeded {
                let aside = "\(directory)_\(Int(Date().timeIntervalSince1970))"
                try FileManager.default.moveItem(atPath: directory, toPath: aside)
                logger.info("kept the previous data directory aside", metadata: ["path": "\(aside)"])
            } else {
                try FileManager.default.removeItem(atPath: directory)
            }
        }
    }
}
