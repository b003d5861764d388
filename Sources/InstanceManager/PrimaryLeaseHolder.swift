import CNPGCore
import Foundation
import Logging

/// This instance's side of the primary Lease `<cluster>` (see `PrimaryLease`): acquired before
/// PostgreSQL runs as primary, renewed while it does, handed over on a clean demotion or exit.
actor PrimaryLeaseHolder {
    enum Renewal: Equatable {
        case renewed
        /// Another instance holds it now: this one must stop being primary at once.
        case heldBy(String)
        /// The API server did not answer (or refused): retried; past the renew deadline, the
        /// isolation check decides.
        case failed(String)
    }

    let access: ClusterAccess
    let identity: String
    let logger: Logger
    /// CNPG captures the timings at the first acquisition.
    private(set) var timing: PrimaryLease.Timing?
    private(set) var isHeld = false
    private(set) var lastRenewal: ContinuousClock.Instant?
    private var acquiring = false
    /// What this replica last saw of another holder's Lease, kept up to date while it is not the
    /// holder: if the primary stops renewing, the wait for the Lease to be seen unchanged for its
    /// duration has already begun when this instance is asked to take over.
    private var observation: PrimaryLease.Observation?
    /// How often a waiting candidate reads the Lease again: a released Lease is taken within this.
    static let acquirePoll: Duration = .milliseconds(250)

    init(access: ClusterAccess, identity: String, logger: Logger) {
        self.access = access
        self.identity = identity
        self.logger = logger
    }

    /// Tries for at most the acquire timeout; true once this instance holds the Lease. A Lease
    /// held by another is taken only after it was seen unchanged for a whole lease duration.
    func acquire(cluster: Cluster) async -> Bool {
        if isHeld { return true }
        guard !acquiring else { return false }
        acquiring = true
        defer { acquiring = false }
        let timing = self.timing ?? PrimaryLease.Timing(cluster: cluster)
        let deadline = ContinuousClock.now + .seconds(timing.acquireTimeout)
        var announced = false
        while ContinuousClock.now < deadline, !Task.isCancelled {
            do {
                let lease = try await read(timing)
                let (step, seen) = PrimaryLease.acquire(lease, identity: identity, timing: timing, previous: observation, now: Date())
                observation = seen
                switch step {
                case .take(let spec):
                    try await write(lease, spec: spec, timing)
                    self.timing = timing
                    isHeld = true
                    lastRenewal = .now
                    observation = nil
                    logger.info("holding the primary lease", metadata: ["lease": "\(access.clusterName)"])
                    return true
                case .wait(let holder, let until):
                    if !announced {
                        logger.info(
                            "the primary lease is held by another instance: waiting until it is released or unchanged for its duration",
                            metadata: ["holder": "\(holder)", "notBefore": "\(until)"])
                        announced = true
                    }
                }
            } catch {
                logger.debug("primary lease not acquired yet", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: Self.acquirePoll)
        }
        return false
    }

    /// A replica's look at the Lease (see `observation`); errors leave the last observation as
    /// it is (an unchanged record seen again later still proves no renewal happened meanwhile).
    func observe(cluster: Cluster) async {
        guard !isHeld, !acquiring else { return }
        let timing = self.timing ?? PrimaryLease.Timing(cluster: cluster)
        guard let lease = try? await read(timing) else { return }
        guard !isHeld, !acquiring else { return }
        observation = PrimaryLease.observe(lease, identity: identity, previous: observation, now: Date())
    }

    /// One renewal by the holder.
    func renew() async -> Renewal {
        guard isHeld, let timing else { return .failed("the lease is not held") }
        do {
            let lease = try await read(timing)
            let holder = PrimaryLease.holder(of: lease)
            guard holder == identity else {
                isHeld = false
                return .heldBy(holder)
            }
            try await write(lease, spec: PrimaryLease.renewed(lease, identity: identity, timing: timing, now: Date()), timing)
            lastRenewal = .now
            return .renewed
        } catch {
            return .failed("\(error)")
        }
    }

    /// Hands the Lease over (clean demotion or exit): the next primary takes it at once.
    func release() async {
        guard isHeld, let timing else { return }
        isHeld = false
        do {
            let lease = try await read(timing)
            guard PrimaryLease.holder(of: lease) == identity else { return }
            try await write(lease, spec: PrimaryLease.released(lease, timing: timing), timing)
            logger.info("released the primary lease", metadata: ["lease": "\(access.clusterName)"])
        } catch {
            logger.warning("could not release the primary lease; it expires on its own", metadata: ["error": "\(error)"])
        }
    }

    /// Forgets the Lease without writing (self-fencing: the next start must acquire it again).
    func abandon() { isHeld = false }

    /// Writes `spec` over the Lease as read (its resourceVersion makes a concurrent writer conflict).
    private func write(_ lease: JSONValue, spec: JSONValue, _ timing: PrimaryLease.Timing) async throws {
        _ = try await withTimeLimit(.seconds(timing.retryPeriod)) { [access] in
            try await access.client.update(.leases, namespace: access.namespace, lease.setting("spec", to: spec), subresource: nil)
        }
    }

    private func read(_ timing: PrimaryLease.Timing) async throws -> JSONValue {
        try await withTimeLimit(.seconds(timing.retryPeriod)) { [access] in
            try await access.client.get(.leases, namespace: access.namespace, name: access.clusterName)
        }
    }
}
