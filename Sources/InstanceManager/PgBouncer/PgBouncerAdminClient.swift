import CNPGCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `SHOW` commands on PgBouncer's admin console over its Unix socket (peer authentication as
/// the container's `pgbouncer` user), on a thread of its own: short blocking I/O with 2 s timeouts.
struct PgBouncerAdminClient: Sendable {
    let socketPath: String

    init(socketDirectory: String = PgBouncerConfiguration.Paths.socketDirectory, port: Int = PgBouncerConfiguration.port) {
        socketPath = "\(socketDirectory)/.s.PGSQL.\(port)"
    }

    func show(_ commands: [String]) async throws -> [PgBouncerAdminProtocol.ResultSet] {
        let path = socketPath
        return try await Task.detached { try Self.run(path, commands) }.value
    }

    private static func run(_ path: String, _ commands: [String]) throws -> [PgBouncerAdminProtocol.ResultSet] {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw PgBouncerAdminProtocol.Failure("cannot create a socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw PgBouncerAdminProtocol.Failure("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw PgBouncerAdminProtocol.Failure("cannot connect to \(path): \(String(cString: strerror(errno)))") }
        var reader = PgBouncerAdminProtocol.Reader()
        try send(descriptor, PgBouncerAdminProtocol.startup(user: PgBouncerConfiguration.adminUser, database: "pgbouncer"))
        try receive(descriptor, &reader)
        var results: [PgBouncerAdminProtocol.ResultSet] = []
        for command in commands {
            reader.reset()
            try send(descriptor, PgBouncerAdminProtocol.query(command))
            try receive(descriptor, &reader)
            results.append(reader.result)
        }
        try? send(descriptor, PgBouncerAdminProtocol.terminate)
        return results
    }

    private static func send(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw PgBouncerAdminProtocol.Failure("cannot write to the admin console: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// Reads until the server is ready for the next command.
    private static func receive(_ descriptor: Int32, _ reader: inout PgBouncerAdminProtocol.Reader) throws {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw PgBouncerAdminProtocol.Failure("the admin console closed the connection or timed out") }
            if try reader.feed(Array(buffer[0..<count])) { return }
        }
    }
}
