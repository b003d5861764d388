import CNPGCore
import Foundation
import Logging
import ServiceLifecycle

/// While this instance is a replica: looks at the primary Lease every retry period, so a wait for
/// an unrenewed Lease starts when the primary stops renewing, not when a failover picks this
/// instance. While it holds the Lease: renews it every retry period. Another holder
/// means a new primary was elected: step down at once. No renewal for the renew deadline (shorter
/// than the lease duration, after which a replica may take the Lease) means this primary may be
/// cut off: unless the isolation check shows an outage of the API server for every instance, it
/// steps down before anyone else can be promoted.
struct PrimaryLeaseKeeper: ServiceLifecycle.Service {
    let lease: PrimaryLeaseHolder
    let reconciler: InstanceReconciler
    let probe: IsolationProbe
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var toleratedOutage = false
            while !Task.isCancelled {
                let period = await lease.timing?.retryPeriod ?? 2
                try await Task.sleep(for: .seconds(period))
                guard await lease.isHeld, let timing = await lease.timing else {
                    if let cluster = await reconciler.cluster { await lease.observe(cluster: cluster) }
                    continue
                }
                switch await lease.renew() {
                case .renewed:
                    if toleratedOutage { logger.info("the primary lease is renewed again") }
                    toleratedOutage = false
                case .heldBy(let holder):
                    await reconciler.stepDown(reason: "the primary lease is now held by \(holder)")
                case .failed(let error):
                    guard let last = await lease.lastRenewal, ContinuousClock.now - last > .seconds(timing.renewDeadline) else { continue }
                    guard let cluster = await reconciler.cluster else { continue }
                    let peers = await probe.peers(of: cluster)
                    if IsolationCheck.shouldFence(peers: peers) {
                        await reconciler.stepDown(
                            reason: "the primary lease could not be renewed for \(Int(timing.renewDeadline)) s (\(error)) "
                                + "and the isolation check failed (\(peers))")
                    } else if !toleratedOutage {
                        toleratedOutage = true
                        logger.warning(
                            "the primary lease cannot be renewed, but no instance reaches the API server: staying primary",
                            metadata: ["error": "\(error)"])
                    }
                }
            }
        }
    }
}
