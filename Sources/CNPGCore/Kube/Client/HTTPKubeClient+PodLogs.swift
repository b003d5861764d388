import AsyncHTTPClient
import Foundation
import NIOCore

extension HTTPKubeClient {
    /// A container's log (`pods/log`), line by line; with `follow` the stream stays open for new
    /// lines until the container ends or the task is cancelled.
    public func podLogLines(namespace: String, pod: String, container: String, follow: Bool = false, tailLines: Int? = nil,
                            timestamps: Bool = false) -> AsyncThrowingStream<String, Error> {
        var query: [(String, String)] = [("container", container)]
        if follow { query.append(("follow", "true")) }
        if let tailLines { query.append(("tailLines", String(tailLines))) }
        if timestamps { query.append(("timestamps", "true")) }
        let url = self.url(path(.pods, namespace, pod, "log"), query)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await http.execute(try self.request("GET", url), timeout: follow ? .hours(24) : requestTimeout)
                    guard response.status == .ok else {
                        let body = try? await response.body.collect(upTo: 1 << 20)
                        throw KubeAPIError.from(status: Int(response.status.code), body: body.flatMap { try? JSONText.parse(Array(buffer: $0)) })
                    }
                    var pending: [UInt8] = []
                    for try await chunk in response.body {
                        pending += Array(buffer: chunk)
                        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                            continuation.yield(String(decoding: pending[..<newline], as: UTF8.self))
                            pending.removeFirst(newline + 1)
                        }
                    }
                    if !pending.isEmpty { continuation.yield(String(decoding: pending, as: UTF8.self)) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
