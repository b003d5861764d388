import Foundation
import Logging
import NIOCore
import NIOPosix

/// kube-proxy for the sandbox: a TCP listener on each service's loopback address and port that
/// splices every connection to a ready backend (round robin). When a backend leaves the service,
/// its proxied connections are closed so clients reconnect to the new one (a failover's -rw switch).
actor ServiceProxy {
    let group: any EventLoopGroup
    let logger: Logger
    let table = ProxyTable()
    /// "address:port" -> listening channel, and the service each belongs to.
    var listeners: [String: (service: String, channel: any Channel)] = [:]

    init(group: any EventLoopGroup, logger: Logger) {
        self.group = group
        self.logger = logger
    }

    func update(service: String, address: String, routes: [Int: [ServiceController.Backend]]) async {
        for (port, backends) in routes {
            let key = "\(address):\(port)"
            table.setBackends(backends, for: key)
            guard listeners[key] == nil else { continue }
            do {
                let channel = try await listen(address: address, port: port, key: key)
                listeners[key] = (service, channel)
            } catch {
                logger.warning("service proxy cannot listen on \(key): \(error)")
            }
        }
        for (key, listener) in listeners where listener.service == service {
            guard let port = key.split(separator: ":").last.flatMap({ Int($0) }), routes[port] == nil else { continue }
            await close(key)
        }
    }

    func removeService(_ service: String) async {
        for (key, listener) in listeners where listener.service == service { await close(key) }
    }

    func close(_ key: String) async {
        guard let listener = listeners.removeValue(forKey: key) else { return }
        try? await listener.channel.close()
        table.setBackends([], for: key)
    }

    func stop() async {
        for key in Array(listeners.keys) { await close(key) }
    }

    func listen(address: String, port: Int, key: String) async throws -> any Channel {
        let table = self.table
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { child in
                Self.backend(table, key: key, on: child.eventLoop, attempts: 10).flatMap { backend in
                    guard let backend else { return child.close() }
                    return Self.connect(child, to: backend, table: table, key: key)
                }
            }
            .bind(host: address, port: port).get()
    }

    /// A ready backend, waiting up to `attempts` × 100 ms for one: the sandbox's controllers run on
    /// separate watches, so a pod can be reported ready (a Deployment's readyReplicas) a moment
    /// before its Service routes to it. Without one the connection is closed.
    static func backend(_ table: ProxyTable, key: String, on loop: any EventLoop, attempts: Int) -> EventLoopFuture<ServiceController.Backend?> {
        if let backend = table.pick(key) { return loop.makeSucceededFuture(backend) }
        guard attempts > 0 else { return loop.makeSucceededFuture(nil) }
        return loop.scheduleTask(in: .milliseconds(100)) {}.futureResult.flatMap {
            backend(table, key: key, on: loop, attempts: attempts - 1)
        }
    }

    static func connect(_ child: any Channel, to backend: ServiceController.Backend, table: ProxyTable, key: String) -> EventLoopFuture<Void> {
        ClientBootstrap(group: child.eventLoop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connectTimeout(.seconds(2))
            .connect(host: backend.ip, port: backend.port)
            .flatMapThrowing { upstream in
                let (downstreamGlue, upstreamGlue) = GlueHandler.matchedPair()
                try child.pipeline.syncOperations.addHandler(downstreamGlue)
                try upstream.pipeline.syncOperations.addHandler(upstreamGlue)
                table.track(child, backend: backend, key: key)
                child.closeFuture.whenComplete { _ in table.untrack(child, key: key) }
            }
    }
}

/// Backends and open connections per listener, shared with the event loops.
final class ProxyTable: @unchecked Sendable {
    private let lock = NSLock()
    private var backends: [String: [ServiceController.Backend]] = [:]
    private var next: [String: Int] = [:]
    private var connections: [String: [ObjectIdentifier: (channel: any Channel, backend: ServiceController.Backend)]] = [:]

    func setBackends(_ list: [ServiceController.Backend], for key: String) {
        let stale: [any Channel] = lock.withLock {
            backends[key] = list
            let kept = Set(list)
            return (connections[key] ?? [:]).values.filter { !kept.contains($0.backend) }.map(\.channel)
        }
        for channel in stale { channel.close(promise: nil) }
    }

    func pick(_ key: String) -> ServiceController.Backend? {
        lock.withLock {
            guard let list = backends[key], !list.isEmpty else { return nil }
            let index = (next[key] ?? 0) % list.count
            next[key] = index + 1
            return list[index]
        }
    }

    func track(_ channel: any Channel, backend: ServiceController.Backend, key: String) {
        lock.withLock { connections[key, default: [:]][ObjectIdentifier(channel)] = (channel, backend) }
    }

    func untrack(_ channel: any Channel, key: String) {
        _ = lock.withLock { connections[key]?.removeValue(forKey: ObjectIdentifier(channel)) }
    }
}

/// Joins two channels on one event loop: bytes read on one are written to the other, reads pause
/// while the other cannot take more, and a close or half-close travels across.
final class GlueHandler: ChannelDuplexHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false

    static func matchedPair() -> (GlueHandler, GlueHandler) {
        let first = GlueHandler()
        let second = GlueHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { partner?.context?.write(data, promise: nil) }

    func channelReadComplete(context: ChannelHandlerContext) { partner?.context?.flush() }

    func channelInactive(context: ChannelHandlerContext) { partner?.context?.close(promise: nil) }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            partner?.context?.close(mode: .output, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        partner?.context?.close(promise: nil)
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
    }

    func read(context: ChannelHandlerContext) {
        if partner?.context?.channel.isWritable ?? false {
            context.read()
        } else {
            pendingRead = true
        }
    }

    private func partnerBecameWritable() {
        guard pendingRead else { return }
        pendingRead = false
        context?.read()
    }
}
