import Synchronization

/// Since when each instance pod (by UID) has not answered its `/pg/status` poll: the failover
/// grace reads it. One for all the clusters an operator polls; a pod not polled for an hour
/// (deleted, or its cluster is) is forgotten.
public final class InstanceSilences: Sendable {
    private struct Silence {
        var since: ContinuousClock.Instant
        var lastPolled: ContinuousClock.Instant
    }

    private let silences = Mutex<[String: Silence]>([:])
    public static let forgetAfter: Duration = .seconds(3600)

    public init() {}

    public func record(uid: String, answered: Bool, now: ContinuousClock.Instant = .now) {
        silences.withLock { silences in
            if answered {
                silences[uid] = nil
            } else {
                silences[uid] = Silence(since: silences[uid]?.since ?? now, lastPolled: now)
            }
            silences = silences.filter { now - $0.value.lastPolled < Self.forgetAfter }
        }
    }

    /// How long each of `pods` (by name) has not answered; pods that answered are absent.
    public func silence(of pods: [JSONValue], now: ContinuousClock.Instant = .now) -> [String: Duration] {
        silences.withLock { silences in
            var result: [String: Duration] = [:]
            for pod in pods {
                guard let uid = pod["metadata"]?["uid"]?.stringValue, let silence = silences[uid] else { continue }
                result[ObservedInstances.name(pod)] = now - silence.since
            }
            return result
        }
    }

    /// How many pods are being tracked as silent.
    public var trackedCount: Int { silences.withLock { $0.count } }
}
