import CNPGCore
import Foundation

/// Where the kubelet keeps container output: one file per container start,
/// `<root>/<namespace>_<pod>_<uid>/<container>/<restartCount>.log`, read back by `pods/log`.
public struct PodLogDirectory: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    func podDirectory(namespace: String, pod: String, uid: String) -> URL {
        root.appendingPathComponent("\(namespace)_\(pod)_\(uid)")
    }

    public func file(namespace: String, pod: String, uid: String, container: String, restart: Int) -> URL {
        podDirectory(namespace: namespace, pod: pod, uid: uid).appendingPathComponent(container).appendingPathComponent("\(restart).log")
    }

    /// Restart numbers with a log, oldest first.
    func restarts(namespace: String, pod: String, uid: String, container: String) -> [Int] {
        let directory = podDirectory(namespace: namespace, pod: pod, uid: uid).appendingPathComponent(container)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { $0.hasSuffix(".log") ? Int($0.dropLast(4)) : nil }.sorted()
    }

    func removePod(namespace: String, pod: String, uid: String) {
        try? FileManager.default.removeItem(at: podDirectory(namespace: namespace, pod: pod, uid: uid))
    }
}

/// What `GET pods/NAME/log` asks for.
struct PodLogRequest: Equatable {
    var container: String?
    var previous = false
    var follow = false
    var tailLines: Int?
    var limitBytes: Int?
    var timestamps = false

    init(query: [String: String]) throws(StatusError) {
        container = query["container"].flatMap { $0.isEmpty ? nil : $0 }
        previous = query["previous"] == "true"
        follow = query["follow"] == "true"
        if let text = query["tailLines"] {
            guard let value = Int(text), value >= 0 else { throw .badRequest("tailLines: '\(text)' is not a non-negative integer") }
            tailLines = value
        }
        if let text = query["limitBytes"] {
            guard let value = Int(text), value > 0 else { throw .badRequest("limitBytes: '\(text)' is not a positive integer") }
            limitBytes = value
        }
        timestamps = query["timestamps"] == "true"
    }

    /// The container a request means: the one named, the default-container annotation, or the only one.
    static func containerName(_ requested: String?, in pod: JSONValue) throws(StatusError) -> String {
        let podName = pod["metadata"]?["name"]?.stringValue ?? ""
        let names = ["initContainers", "containers"].flatMap { key -> [String] in
            guard case .array(let containers)? = pod["spec"]?[key] else { return [] }
            return containers.compactMap { $0["name"]?.stringValue }
        }
        let main: [String] = {
            guard case .array(let containers)? = pod["spec"]?["containers"] else { return [] }
            return containers.compactMap { $0["name"]?.stringValue }
        }()
        if let requested {
            guard names.contains(requested) else {
                throw .badRequest("container \(requested) is not valid for pod \(podName)")
            }
            return requested
        }
        if let annotated = pod["metadata"]?["annotations"]?["kubectl.kubernetes.io/default-container"]?.stringValue, names.contains(annotated) {
            return annotated
        }
        guard main.count == 1 else {
            throw .badRequest("a container name must be specified for pod \(podName), choose one of: [\(main.joined(separator: " "))]")
        }
        return main[0]
    }

    /// The requested slice of a log: the last `tailLines` lines, at most `limitBytes` bytes.
    func slice(_ text: String) -> String {
        var result = text
        if let tailLines {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.last == "" { lines.removeLast() }
            result = lines.suffix(tailLines).map { $0 + "\n" }.joined()
        }
        if let limitBytes, result.utf8.count > limitBytes {
            result = String(decoding: Array(result.utf8.prefix(limitBytes)), as: UTF8.self)
        }
        return result
    }
}
