import Foundation

/// Leader election over a coordination.k8s.io Lease, as client-go's: decide, from the Lease as
/// read, whether this candidate creates it, takes it over (expired or released), renews it (already
/// its holder), or waits.
public enum LeaseDecision: Equatable, Sendable {
    case create
    case takeOver
    case renew
    case wait(holder: String, until: Date)

    public static func evaluate(_ lease: JSONValue?, identity: String, now: Date) -> LeaseDecision {
        guard let lease else { return .create }
        let holder = lease["spec"]?["holderIdentity"]?.stringValue ?? ""
        if holder == identity { return .renew }
        if holder.isEmpty { return .takeOver }
        var duration: Int64 = 15
        if case .int(let seconds)? = lease["spec"]?["leaseDurationSeconds"] { duration = seconds }
        guard let renewed = lease["spec"]?["renewTime"]?.stringValue.flatMap(KubeTime.parse) else { return .takeOver }
        let expiry = renewed.addingTimeInterval(TimeInterval(duration))
        return expiry <= now ? .takeOver : .wait(holder: holder, until: expiry)
    }

    /// The Lease spec this candidate writes when it creates, takes over or renews.
    public static func spec(identity: String, durationSeconds: Int64, now: Date, previous: JSONValue?, decision: LeaseDecision) -> JSONValue {
        let stamp = Self.format(now)
        var transitions: Int64 = 0
        if case .int(let count)? = previous?["spec"]?["leaseTransitions"] { transitions = count }
        let acquired = decision == .renew ? (previous?["spec"]?["acquireTime"] ?? .string(stamp)) : .string(stamp)
        if decision == .takeOver { transitions += 1 }
        return .object([
            ("holderIdentity", .string(identity)), ("leaseDurationSeconds", .int(durationSeconds)),
            ("acquireTime", acquired), ("renewTime", .string(stamp)), ("leaseTransitions", .int(transitions)),
        ])
    }

    /// Lease times are MicroTime.
    public static func format(_ date: Date) -> String { KubeTime.microTime(date) }
}
