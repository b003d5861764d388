import CNPGCore
import Foundation
import Logging

/// A controller work queue as client-go's: a key is queued at most once, a key being processed
/// is not handed out again (a change meanwhile queues it once more afterwards), failures come
/// back after a per-key exponential backoff, and `shutDown` releases every waiting worker.
actor WorkQueue<Key: Hashable & Sendable> {
    private var queue: [Key] = []
    private var queued: Set<Key> = []
    private var processing: Set<Key> = []
    private var dirty: Set<Key> = []
    private var failures: [Key: Int] = [:]
    private var schedule = RequeueSchedule<Key, ContinuousClock.Instant>()
    private var waiters: [CheckedContinuation<Key?, Never>] = []
    private var closed = false
    let baseDelay: Duration
    let maximumDelay: Duration
    /// The `name` label of the `workqueue_*` metrics.
    let name: String

    init(name: String, baseDelay: Duration = .milliseconds(100), maximumDelay: Duration = .seconds(30)) {
        self.name = name
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    var depth: Int { queue.count }

    func add(_ key: Key) {
        guard !closed else { return }
        if processing.contains(key) {
            dirty.insert(key)
            return
        }
        guard queued.insert(key).inserted else { return }
        OperatorMetrics.queueAdded(name: name)
        defer { OperatorMetrics.queue(depth: queue.count, name: name) }
        if !waiters.isEmpty {
            queued.remove(key)
            processing.insert(key)
            waiters.removeFirst().resume(returning: key)
        } else {
            queue.append(key)
        }
    }

    /// Queues `key` after `delay` (a requeue-after result).
    nonisolated func add(_ key: Key, after delay: Duration) {
        let due = ContinuousClock.now + delay
        Task { await self.schedule(key, at: due) }
    }

    /// One timer per key: every pass asks for its next look, and timers that each started a pass
    /// of their own would multiply.
    private func schedule(_ key: Key, at due: ContinuousClock.Instant) {
        guard schedule.schedule(key, at: due) else { return }
        Task {
            try? await Task.sleep(until: due, clock: .continuous)
            self.fire(key, at: due)
        }
    }

    private func fire(_ key: Key, at due: ContinuousClock.Instant) {
        if schedule.fire(key, at: due) { add(key) }
    }

    /// The next key to process; nil once the queue is shut down.
    func next() async -> Key? {
        if closed { return nil }
        if !queue.isEmpty {
            let key = queue.removeFirst()
            OperatorMetrics.queue(depth: queue.count, name: name)
            queued.remove(key)
            processing.insert(key)
            return key
        }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Processing of `key` ended; a change seen meanwhile queues it again.
    func done(_ key: Key) {
        processing.remove(key)
        if dirty.remove(key) != nil { add(key) }
    }

    /// The key failed: it comes back after a backoff that doubles with each consecutive failure.
    func retry(_ key: Key) {
        let count = failures[key, default: 0]
        failures[key] = count + 1
        OperatorMetrics.queueRetried(name: name)
        var delay = baseDelay
        for _ in 0..<min(count, 20) where delay < maximumDelay { delay = delay * 2 }
        add(key, after: min(delay, maximumDelay))
    }

    /// The key succeeded: its backoff starts over.
    func forget(_ key: Key) { failures[key] = nil }

    func shutDown() {
        closed = true
        for waiter in waiters { waiter.resume(returning: nil) }
        waiters = []
    }
}

extension WorkQueue {
    /// A worker: reconciles each key the queue hands out until it shuts down; an answer is when
    /// to look again, an error a rate-limited retry.
    func work(label: String, logger: Logger, _ reconcile: @Sendable (Key) async throws -> Duration?) async {
        while let key = await next() {
            do {
                let requeue = try await reconcile(key)
                forget(key)
                if let requeue { add(key, after: requeue) }
            } catch {
                logger.warning("\(label) reconcile failed", metadata: [label: "\(key)", "error": "\(error)"])
                retry(key)
            }
            done(key)
        }
    }
}
