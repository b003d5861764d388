import Foundation
import Synchronization

/// A network partition between some pods and the API server, for tests of isolated instances:
/// `<state>/isolated-pods` lists `namespace/pod` lines; requests made with a token bound to one of
/// those pods get no answer for `hold` and then 503, and their open watches end. The file is read
/// again when it changes (checked at most every 100 ms), so a test isolates and heals at runtime.
public final class IsolatedPods: Sendable {
    public static let fileName = "isolated-pods"
    public static let hold: Duration = .seconds(10)

    private let path: String
    private struct Cache: Sendable {
        var pods: Set<String> = []
        var modified: Date?
        var checked = ContinuousClock.now - .seconds(1)
    }
    private let cache = Mutex(Cache())

    public init(stateDirectory: URL) {
        path = stateDirectory.appendingPathComponent(Self.fileName).path
    }

    public func contains(_ pod: String?) -> Bool {
        guard let pod else { return false }
        return current().contains(pod)
    }

    private func current() -> Set<String> {
        cache.withLock { cache in
            guard ContinuousClock.now - cache.checked >= .milliseconds(100) else { return cache.pods }
            cache.checked = .now
            let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
            guard modified != cache.modified else { return cache.pods }
            cache.modified = modified
            let text = modified == nil ? "" : ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
            cache.pods = Set(text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            return cache.pods
        }
    }
}
