import Foundation

/// A real PostgreSQL server for tests: its own data directory under /tmp, owned by the `postgres`
/// user, listening on 127.0.0.1 only, stopped (by its own PID file) and removed by `stop()`.
public final class PostgresServer: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let directory: URL
    public let port: Int
    public let binDirectory: URL
    public var dataDirectory: URL { directory.appendingPathComponent("data") }
    public var socketDirectory: URL { directory.appendingPathComponent("sock") }
    private var started = false

    /// Installed PostgreSQL binaries (highest major version under /usr/lib/postgresql).
    public static func findBinaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).compactMap(Int.init).sorted()
        guard let newest = versions.last else { throw Failure(description: "PostgreSQL is not installed: run scripts/install-test-deps.sh") }
        return root.appendingPathComponent("\(newest)/bin")
    }

    /// Initialises a data directory (trust for the local socket only; the caller writes the rest of pg_hba).
    public init() throws {
        binDirectory = try Self.findBinaries()
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("cnpg-pg-\(UUID().uuidString.prefix(8))")
        port = try FreePort.find()
        try FileManager.default.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        try Self.chownToPostgres(directory.path)
        try Self.chownToPostgres(socketDirectory.path)
        let initdb = try runAsPostgres("initdb", ["-D", dataDirectory.path, "--auth-local=trust", "--auth-host=reject", "-U", "postgres", "--no-sync"])
        guard initdb.status == 0 else { throw Failure(description: "initdb failed: \(initdb.error)") }
    }

    /// Writes a file into the data directory, owned by postgres with the given mode.
    public func writeDataFile(_ name: String, _ contents: String, mode: Int = 0o600) throws {
        let url = dataDirectory.appendingPathComponent(name)
        try contents.write(to: url, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        try Self.chownToPostgres(url.path)
    }

    public func appendConfiguration(_ lines: [String]) throws {
        let url = dataDirectory.appendingPathComponent("postgresql.conf")
        var text = try String(contentsOf: url, encoding: .utf8)
        text += "\n" + lines.joined(separator: "\n") + "\n"
        try text.write(to: url, atomically: false, encoding: .utf8)
    }

    public func start() throws {
        try appendConfiguration([
            "listen_addresses = '127.0.0.1'", "port = \(port)", "unix_socket_directories = '\(socketDirectory.path)'",
            "fsync = off", "shared_buffers = 16MB",
        ])
        let status = try ExternalTool.runDetached(
            URL(fileURLWithPath: "/usr/sbin/runuser"),
            [
                "-u", "postgres", "--", binDirectory.appendingPathComponent("pg_ctl").path,
                "-D", dataDirectory.path, "-l", directory.appendingPathComponent("server.log").path, "-w", "-t", "60", "start",
            ])
        started = true
        guard status == 0 else {
            let log = (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
            stop()
            throw Failure(description: "PostgreSQL did not start (pg_ctl exit \(status)):\n\(log)")
        }
    }

    /// Runs SQL as the superuser over the local socket.
    @discardableResult
    public func sql(_ statement: String) throws -> String {
        let result = try runAsPostgres(
            "psql",
            [
                "-h", socketDirectory.path, "-p", String(port), "-U", "postgres", "-d", "postgres",
                "-v", "ON_ERROR_STOP=1", "-Atc", statement,
            ])
        guard result.status == 0 else { throw Failure(description: "psql failed: \(result.error)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func reload() throws { try sql("SELECT pg_reload_conf()") }

    public func stop() {
        if started {
            _ = try? runAsPostgres("pg_ctl", ["-D", dataDirectory.path, "-m", "immediate", "-w", "-t", "30", "stop"])
            started = false
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    public func runAsPostgres(_ tool: String, _ arguments: [String]) throws -> ExternalTool.Result {
        try ExternalTool.run(
            URL(fileURLWithPath: "/usr/sbin/runuser"),
            ["-u", "postgres", "--", binDirectory.appendingPathComponent(tool).path] + arguments, timeout: 120)
    }

    /// Copies a data directory (a volume snapshot's, say) and runs one query on the copy in
    /// single-user mode as `postgres` (no network, no authentication, TLS and archiving off):
    /// proof that the directory is a database PostgreSQL starts on. Returns the backend's output.
    public static func singleUserQuery(_ binaries: URL, dataDirectoryToCopy source: URL, _ query: String, database: String) throws -> String {
        let scratch = try TemporaryDirectory(prefix: "cnpg-restore")
        let copy = scratch.url.appendingPathComponent("pgdata")
        let copied = try ExternalTool.run(URL(fileURLWithPath: "/bin/cp"), ["-a", source.path, copy.path])
        guard copied.status == 0 else { throw TestFailure("cannot copy \(source.path): \(copied.error)") }
        // Started on its own, a standby's copy is a new primary (single-user mode has no standby mode).
        try? FileManager.default.removeItem(at: copy.appendingPathComponent("standby.signal"))
        _ = try ExternalTool.run(URL(fileURLWithPath: "/bin/chown"), ["-R", "postgres:postgres", scratch.url.path])
        let result = try ExternalTool.run(
            URL(fileURLWithPath: "/usr/sbin/runuser"),
            [
                "-u", "postgres", "--", binaries.appendingPathComponent("postgres").path, "--single", "-D", copy.path,
                "-c", "ssl=off", "-c", "archive_mode=off", "-c", "logging_collector=off", "-c", "log_destination=stderr",
                "-c", "shared_preload_libraries=", database,
            ], stdin: query + "\n", timeout: 120)
        return result.output + result.error
    }

    /// Gives a file or directory to the `postgres` user, which PostgreSQL and the instance manager run as.
    public static func chownToPostgres(_ path: String) throws {
        try FileManager.default.setAttributes([.ownerAccountName: "postgres", .groupOwnerAccountName: "postgres"], ofItemAtPath: path)
    }
}
