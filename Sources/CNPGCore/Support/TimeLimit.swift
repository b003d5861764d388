/// `body` did not finish within the limit.
public struct TimeLimitExceeded: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "no answer within \(limit)" }
}

/// Runs `body`, cancelled and answered by `TimeLimitExceeded` after `limit` (body must honour
/// cancellation: the call returns once it has).
public func withTimeLimit<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    return try await withThrowingTaskGroup(of: TimeLimitOutcome<T>.self) { group in
        group.addTask { .finished(try await body()) }
        group.addTask {
            try await Task.sleep(for: limit)
            return .timedOut
        }
        defer { group.cancelAll() }
        switch try await group.next() {
        case .finished(let value): return value
        case .timedOut, nil: throw TimeLimitExceeded(limit: limit)
        }
    }
}

private enum TimeLimitOutcome<T: Sendable>: Sendable {
    case finished(T)
    case timedOut
}
