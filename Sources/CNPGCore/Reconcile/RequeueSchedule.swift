/// When each key of a work queue is due again, as client-go's delaying queue keeps it: a key
/// asked for again while already waiting keeps the earlier time, so every key has at most one
/// pending requeue however many passes (each asking for its next look) ran meanwhile.
public struct RequeueSchedule<Key: Hashable & Sendable, Instant: Comparable & Sendable>: Sendable {
    private var due: [Key: Instant] = [:]

    public init() {}

    /// Records that `key` is due at `instant`; true when a timer must be started for it (false
    /// when an earlier or equal time is already pending, which makes this request redundant).
    public mutating func schedule(_ key: Key, at instant: Instant) -> Bool {
        if let pending = due[key], pending <= instant { return false }
        due[key] = instant
        return true
    }

    /// A timer set for `instant` fired: true when it is still the one pending for `key` (the key
    /// is due now), false when an earlier request replaced it.
    public mutating func fire(_ key: Key, at instant: Instant) -> Bool {
        guard due[key] == instant else { return false }
        due[key] = nil
        return true
    }

    public var pendingCount: Int { due.count }
}
