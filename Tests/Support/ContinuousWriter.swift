import CNPGCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOSSL
import PostgresNIO

/// A client that inserts one row every `interval` through a service address (TLS, the server
/// verified against the cluster CA), reconnecting after every failure, and remembers every
/// insert PostgreSQL acknowledged: after a failover or a switchover, each of them must still be
/// there, and the longest gap between two acknowledged inserts is the write-unavailability window.
public final class ContinuousWriter: @unchecked Sendable {
    public struct Target: Sendable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String
        public var database: String
        /// The CA to trust, asked at every connection (a client following a rotated CA secret).
        public var trustedCA: @Sendable () -> String
        public init(host: String, port: Int = 5432, user: String, password: String, database: String, caPEM: String) {
            self.init(host: host, port: port, user: user, password: password, database: database, trustedCA: { caPEM })
        }
        public init(
            host: String, port: Int = 5432, user: String, password: String, database: String,
            trustedCA: @escaping @Sendable () -> String
        ) {
            (self.host, self.port, self.user, self.password, self.database, self.trustedCA) = (host, port, user, password, database, trustedCA)
        }
    }

    /// One failed attempt: when it began, how long it took, and why.
    public struct Failure: Sendable, CustomStringConvertible {
        public var began: ContinuousClock.Instant
        public var duration: Duration
        public var reason: String
        public var description: String { String(format: "%.2f s: ", duration.secondsValue) + reason }
    }

    public struct Report: Sendable {
        public var acknowledged: [Int]
        public var failedAttempts: Int
        /// The first failed attempts (at most 20), for explaining a long gap.
        public var failures: [Failure]
        /// The longest time between two acknowledged inserts.
        public var longestGap: Duration
        /// Connections opened.
        public var connections: Int
        public var summary: String {
            "\(acknowledged.count) inserts acknowledged over \(connections) connections, \(failedAttempts) failed attempts, "
                + String(format: "longest write gap %.2f s", longestGap.secondsValue)
        }
    }

    private let target: Target
    private let table: String
    private let interval: Duration
    private let reconnectEvery: Int?
    private var connections = 0
    private let lock = NSLock()
    private var acknowledged: [(Int, ContinuousClock.Instant)] = []
    private var failures: [Failure] = []
    private var failureCount = 0
    private var stopping = false
    private var task: Task<Void, Never>?

    /// With `reconnectEvery`, the connection is closed after that many inserts and a new one opened
    /// (a client that keeps reconnecting, as pools do).
    public init(target: Target, table: String, interval: Duration = .milliseconds(20), reconnectEvery: Int? = nil) {
        self.target = target
        self.table = table
        self.interval = interval
        self.reconnectEvery = reconnectEvery
    }

    /// Connections opened so far.
    public var connectionCount: Int { lock.withLock { connections } }

    /// Starts writing in the background (the table must exist).
    public func start() {
        task = Task { await self.loop() }
    }

    public var acknowledgedCount: Int { lock.withLock { acknowledged.count } }

    /// Inserts acknowledged after `instant`.
    public func acknowledged(after instant: ContinuousClock.Instant) -> Int {
        lock.withLock { acknowledged.filter { $0.1 > instant }.count }
    }

    /// When the first insert after `instant` was acknowledged (nil: none yet).
    public func firstAcknowledgement(after instant: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        lock.withLock { acknowledged.first { $0.1 > instant }?.1 }
    }

    public func stop() async -> Report {
        lock.withLock { stopping = true }
        await task?.value
        return lock.withLock {
            var gap = Duration.zero
            for (previous, next) in zip(acknowledged, acknowledged.dropFirst()) { gap = max(gap, next.1 - previous.1) }
            return Report(
                acknowledged: acknowledged.map(\.0), failedAttempts: failureCount, failures: failures, longestGap: gap,
                connections: connections)
        }
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func loop() async {
        let logger = { () -> Logger in
            var logger = Logger(label: "continuous-writer")
            logger.logLevel = .critical
            return logger
        }()
        var connection: PostgresConnection?
        var next = 1
        while !isStopping {
            let began = ContinuousClock.now
            var step = "connect"
            do {
                if connection == nil {
                    // A connection that arrives after the deadline is closed, not leaked.
                    connection = try await Self.race(
                        .seconds(3), { try await self.connect(logger: logger) },
                        late: { try? await $0.close() })
                    lock.withLock { connections += 1 }
                }
                guard let open = connection else { continue }
                step = "insert"
                let id = next
                let sql = "INSERT INTO \(table) (id) VALUES (\(id))"
                // A query stuck on a dead peer is abandoned, never awaited: closing a connection
                // with a query in flight waits for that query. PostgresNIO does not fail a query
                // whose connection the peer closed without a message (a SIGKILLed server): the
                // attempt ends when the connection is seen closed, as libpq reports it at once.
                _ = try await Self.race(
                    .seconds(3), { try await open.query(PostgresQuery(unsafeSQL: sql), logger: logger) }, late: { _ in },
                    abandonWhen: { open.isClosed })
                lock.withLock { acknowledged.append((id, .now)) }
                next += 1
                if let reconnectEvery, id % reconnectEvery == 0 {
                    _ = try? await Self.race(.seconds(3), { try await open.close() }, late: { _ in })
                    connection = nil
                }
            } catch {
                let failure = Failure(began: began, duration: .now - began, reason: "\(step): " + String(String(reflecting: error).prefix(300)))
                lock.withLock {
                    failureCount += 1
                    if failures.count < 20 { failures.append(failure) }
                }
                if let stale = connection { Task { try? await stale.close() } }
                connection = nil
                next += 1
            }
            try? await Task.sleep(for: interval)
        }
        if let open = connection { _ = try? await Self.race(.seconds(3), { try await open.close() }, late: { _ in }) }
    }

    private func connect(logger: Logger) async throws -> PostgresConnection {
        let tls = try TLSConfiguration.clientTrusting(caPEM: target.trustedCA())
        var configuration = PostgresConnection.Configuration(
            host: target.host, port: target.port, username: target.user,
            password: target.password, database: target.database,
            tls: .require(try NIOSSLContext(configuration: tls)))
        configuration.options.connectTimeout = .seconds(2)
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
    }

    private struct TimedOut: Error, CustomStringConvertible {
        var description: String { "no answer in time (abandoned)" }
    }

    private struct ConnectionClosed: Error, CustomStringConvertible {
        var description: String { "the connection closed with the statement in flight" }
    }

    /// `body`'s result, or TimedOut after `limit` (ConnectionClosed as soon as `abandonWhen` holds,
    /// checked every 10 ms) without waiting for `body` (unlike a task group, which would wait for a
    /// child that ignores cancellation); a late result goes to `late`.
    private static func race<T: Sendable>(
        _ limit: Duration, _ body: @escaping @Sendable () async throws -> T,
        late: @escaping @Sendable (T) async -> Void,
        abandonWhen: @escaping @Sendable () -> Bool = { false }
    ) async throws -> T {
        let decided = NIOLockedValueBox(false)
        let claim: @Sendable () -> Bool = {
            decided.withLockedValue { done in
                defer { done = true }
                return !done
            }
        }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            Task {
                do {
                    let value = try await body()
                    if claim() { continuation.resume(returning: value) } else { await late(value) }
                } catch {
                    if claim() { continuation.resume(throwing: error) }
                }
            }
            Task {
                let deadline = ContinuousClock.now + limit
                while ContinuousClock.now < deadline {
                    if decided.withLockedValue({ $0 }) { return }
                    if abandonWhen() {
                        if claim() { continuation.resume(throwing: ConnectionClosed()) }
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(10))
                }
                if claim() { continuation.resume(throwing: TimedOut()) }
            }
        }
    }
}
