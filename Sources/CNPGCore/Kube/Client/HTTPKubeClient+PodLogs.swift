import Foundation
import NIOCore

extension HTTPKubeClient {
    /// A container's log (`pods/log`), line by line; with `follow` the stream stays open for new
    /// lines until the container ends or the task is cancelled.
    public func podLogLines(
        namespace: String, pod: String, container: String, follow: Bool = false, tailLines: Int? = nil,
        timestamps: Bool = false
    ) -> AsyncThrowingStream<String, Error> {
        var query: [(String, String)] = [("container", container)]
        if follow { query.append(("follow", "true")) }
        if let tailLines { query.append(("tailLines", String(tailLines))) }
        if timestamps { query.append(("timestamps", "true")) }
        let url = self.url(path(.pods, namespace, pod, "log"), query)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await streamLines(url, timeout: follow ? .hours(24) : requestTimeout, countedAs: "GET") { line in
                        continuation.yield(String(decoding: line, as: UTF8.self))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
