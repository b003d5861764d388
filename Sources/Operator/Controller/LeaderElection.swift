import CNPGCore
import Foundation
import Logging
import ServiceLifecycle

/// Runs the controllers only while this process holds the leader Lease, so two replicas of the
/// operator can run: the other waits and takes over when the Lease expires or is released.
/// Losing the Lease (renewal failing past the deadline) ends the process, as controller-runtime does.
struct LeaderElectedService: ServiceLifecycle.Service {
    let client: any KubeClient
    let namespace: String
    let leaseName: String
    let identity: String
    let leaseDuration: Duration
    let renewPeriod: Duration
    let renewDeadline: Duration
    let logger: Logger
    let controllers: @Sendable () async throws -> Void

    struct LostLeadership: Error, CustomStringConvertible {
        var description: String
    }

    static let leases = ResourceType.leases

    var durationSeconds: Int64 { leaseDuration.components.seconds }

    func run() async throws {
        guard await acquire() else { return }
        logger.info("became the leader", metadata: ["lease": "\(namespace)/\(leaseName)", "identity": "\(identity)"])
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await controllers() }
                group.addTask { try await keepRenewing() }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await release()
            throw error
        }
        await release()
    }

    /// Tries until it holds the Lease; false when shutdown came first.
    func acquire() async -> Bool {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if await attempt() { return true }
            try? await Task.sleep(for: renewPeriod)
        }
        return false
    }

    /// One read-decide-write; true when this process now holds the Lease.
    func attempt() async -> Bool {
        let current: JSONValue?
        do {
            current = try await client.get(Self.leases, namespace: namespace, name: leaseName)
        } catch let error as KubeAPIError where error.code == 404 {
            current = nil
        } catch {
            logger.debug("cannot read the leader lease: \(error)")
            return false
        }
        let now = Date()
        let decision = LeaseDecision.evaluate(current, identity: identity, now: now)
        if case .wait = decision { return false }
        let spec = LeaseDecision.spec(identity: identity, durationSeconds: durationSeconds, now: now, previous: current, decision: decision)
        do {
            if let current {
                // The resourceVersion read makes a concurrent take-over conflict instead of both winning.
                _ = try await client.update(Self.leases, namespace: namespace, current.setting("spec", to: spec), subresource: nil)
            } else {
                _ = try await client.create(
                    Self.leases, namespace: namespace,
                    .object([
                        ("apiVersion", .string("coordination.k8s.io/v1")), ("kind", .string("Lease")),
                        ("metadata", .object([("name", .string(leaseName)), ("namespace", .string(namespace))])), ("spec", spec),
                    ]))
            }
            return true
        } catch {
            logger.debug("lease write lost: \(error)")
            return false
        }
    }

    func keepRenewing() async throws {
        var lastRenewal = ContinuousClock.now
        while !Task.isCancelled {
            try await Task.sleep(for: renewPeriod)
            if await attempt() {
                lastRenewal = .now
            } else if ContinuousClock.now - lastRenewal > renewDeadline {
                logger.error("lost the leader lease", metadata: ["lease": "\(namespace)/\(leaseName)"])
                throw LostLeadership(description: "leader lease \(namespace)/\(leaseName) could not be renewed within \(renewDeadline)")
            }
        }
    }

    /// Hands the Lease over at once on a clean exit (an empty holder lets the next candidate take it).
    func release() async {
        guard let current = try? await client.get(Self.leases, namespace: namespace, name: leaseName),
            current["spec"]?["holderIdentity"]?.stringValue == identity
        else { return }
        let spec = (current["spec"] ?? .object([])).setting("holderIdentity", to: .string("")).setting("leaseDurationSeconds", to: .int(1))
        _ = try? await client.update(Self.leases, namespace: namespace, current.setting("spec", to: spec), subresource: nil)
        logger.info("released the leader lease", metadata: ["lease": "\(namespace)/\(leaseName)"])
    }
}
