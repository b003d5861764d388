import Foundation

/// The primary's coordination.k8s.io Lease `<cluster>` (as CNPG): the operator keeps it, the
/// instance manager of the target primary must hold it before PostgreSQL runs as primary, renews
/// it while it does, and hands it over on a clean demotion or exit. A replica takes a Lease held
/// by another only after seeing it unchanged for a whole lease duration, and a holder that cannot
/// renew within the renew deadline (shorter) stops taking writes: two primaries never accept
/// writes at once. These are the pure decisions; the instance manager and the operator do the I/O.
public enum PrimaryLease {
    public struct Timing: Sendable, Equatable {
        public var leaseDuration: TimeInterval
        public var renewDeadline: TimeInterval
        public var retryPeriod: TimeInterval
        public var releasedLeaseDuration: TimeInterval

        public init(
            leaseDuration: TimeInterval = 15, renewDeadline: TimeInterval = 10, retryPeriod: TimeInterval = 2,
            releasedLeaseDuration: TimeInterval = 1
        ) {
            (self.leaseDuration, self.renewDeadline, self.retryPeriod, self.releasedLeaseDuration) =
                (leaseDuration, renewDeadline, retryPeriod, releasedLeaseDuration)
        }

        /// `spec.primaryLease` with CNPG's defaults (15, 10, 2, 1 seconds).
        public init(cluster: Cluster) {
            let configured = cluster.spec.primaryLease
            self.init(
                leaseDuration: TimeInterval(configured?.leaseDurationSeconds ?? 15),
                renewDeadline: TimeInterval(configured?.renewDeadlineSeconds ?? 10),
                retryPeriod: TimeInterval(configured?.retryPeriodSeconds ?? 2),
                releasedLeaseDuration: TimeInterval(configured?.releasedLeaseDurationSeconds ?? 1))
        }

        /// How long a candidate tries before giving up for this pass (CNPG: duration + 3 retries).
        public var acquireTimeout: TimeInterval { leaseDuration + 3 * retryPeriod }
    }

    public static let resource = ResourceType.leases

    /// The Lease the operator creates for a cluster: named after it, owned by it, held by nobody.
    public static func object(for cluster: Cluster) -> JSONValue {
        let metadata = ClusterObjectMetadata.make(for: cluster, name: cluster.metadata.name ?? "")
        return .object([
            ("apiVersion", .string("coordination.k8s.io/v1")), ("kind", .string("Lease")),
            ("metadata", ObjectCodec.encode(metadata)),
            ("spec", .object([("leaseDurationSeconds", .int(Int64(Timing(cluster: cluster).leaseDuration)))])),
        ])
    }

    public static func holder(of lease: JSONValue?) -> String { lease?["spec"]?["holderIdentity"]?.stringValue ?? "" }

    /// What a candidate saw of a Lease held by another, and since when (its own clock: the
    /// holder's `renewTime` is never compared with this clock, so clock skew does not matter).
    public struct Observation: Sendable, Equatable {
        public var holder: String
        public var renewTime: String
        public var since: Date
    }

    public enum Acquisition: Sendable, Equatable {
        /// Write `spec` (over the resourceVersion read): the Lease is free, this candidate's, or expired.
        case take(spec: JSONValue)
        /// Held by `holder`; not before `until`, and only if it stays unchanged.
        case wait(holder: String, until: Date)
    }

    /// One acquisition step for `identity`: free or already its own ⇒ take; held by another ⇒
    /// take once the same holder and renewTime have been seen for a whole lease duration.
    public static func acquire(
        _ lease: JSONValue, identity: String, timing: Timing, previous: Observation?,
        now: Date
    ) -> (Acquisition, Observation?) {
        let current = holder(of: lease)
        if current.isEmpty || current == identity {
            let decision: LeaseDecision = current == identity ? .renew : .takeOver
            return (.take(spec: heldSpec(lease, identity: identity, timing: timing, now: now, decision: decision)), nil)
        }
        guard let observation = observe(lease, identity: identity, previous: previous, now: now) else {
            return (.take(spec: heldSpec(lease, identity: identity, timing: timing, now: now, decision: .takeOver)), nil)
        }
        let expiry = observation.since.addingTimeInterval(timing.leaseDuration)
        if now >= expiry {
            return (.take(spec: heldSpec(lease, identity: identity, timing: timing, now: now, decision: .takeOver)), nil)
        }
        return (.wait(holder: current, until: expiry), observation)
    }

    /// What a candidate knows after reading `lease`: nil when it is free or its own, else since when
    /// the same holder and renewTime have been seen (`previous` carries over while they match).
    /// Replicas keep this up to date before any failover, so the wait can already be over.
    public static func observe(_ lease: JSONValue, identity: String, previous: Observation?, now: Date) -> Observation? {
        let current = holder(of: lease)
        if current.isEmpty || current == identity { return nil }
        let renewTime = lease["spec"]?["renewTime"]?.stringValue ?? ""
        if let previous, previous.holder == current, previous.renewTime == renewTime { return previous }
        return Observation(holder: current, renewTime: renewTime, since: now)
    }

    /// The spec a holder writes to renew.
    public static func renewed(_ lease: JSONValue, identity: String, timing: Timing, now: Date) -> JSONValue {
        heldSpec(lease, identity: identity, timing: timing, now: now, decision: .renew)
    }

    /// The spec that hands the Lease over at once: no holder, the short released duration.
    public static func released(_ lease: JSONValue, timing: Timing) -> JSONValue {
        (lease["spec"] ?? .object([])).setting("holderIdentity", to: .string(""))
            .setting("leaseDurationSeconds", to: .int(Int64(timing.releasedLeaseDuration)))
    }

    /// Whether the process that last renewed the Lease is confirmed gone, so the operator may
    /// free it for a failover instead of letting the new primary wait a lease duration: the
    /// holder's pod no longer exists, its `postgres` container is not running, or it started after
    /// the last renewal (a restarted container never renewed it). A pod being deleted is not gone
    /// (it may still commit during its graceful shutdown, and releases the Lease itself at the
    /// end), nor is one that runs but does not answer (a hung node): the Lease's expiry applies.
    public static func holderGone(_ lease: JSONValue, pod: JSONValue?) -> Bool {
        guard let pod else { return true }
        let statuses = pod["status"]?["containerStatuses"]?.arrayValue ?? []
        guard let state = statuses.first(where: { $0["name"]?.stringValue == "postgres" })?["state"] else { return false }
        if state["terminated"] != nil || state["waiting"] != nil { return true }
        guard let running = state["running"] else { return false }
        guard let started = running["startedAt"]?.stringValue.flatMap(KubeTime.parse),
            let renewed = lease["spec"]?["renewTime"]?.stringValue.flatMap(KubeTime.parse)
        else { return false }
        return started > renewed
    }

    private static func heldSpec(_ lease: JSONValue, identity: String, timing: Timing, now: Date, decision: LeaseDecision) -> JSONValue {
        LeaseDecision.spec(identity: identity, durationSeconds: Int64(timing.leaseDuration), now: now, previous: lease, decision: decision)
    }
}

/// CNPG's isolation check, for a primary that has lost the API server: it asks every other
/// instance (`/failsafe` on 8000) and stays up only when all of them answer and none of them can
/// reach the API server either (an outage of the API server: nobody can take the Lease, so
/// stopping would only cause downtime). Otherwise it is the one cut off: it fences itself.
public enum IsolationCheck {
    public enum Peer: Sendable, Equatable {
        case unreachable
        case reachable(apiServerReachable: Bool)
    }

    public static func shouldFence(peers: [Peer]) -> Bool {
        // A single instance has nobody to hand over to: stopping it cannot prevent a split brain.
        guard !peers.isEmpty else { return false }
        return peers.contains { $0 != .reachable(apiServerReachable: false) }
    }
}
