import CNPGCore
import Foundation

extension SandboxAPI {
    /// `GET pods/NAME/log`: the output of a container's current (or, with `previous`, last) run.
    func podLog(namespace: String, name: String, request: PodLogRequest) throws -> APIResponse {
        let pods = store.resource("pods")!
        let pod = try store.get(pods, namespace: namespace, name: name)
        let container = try PodLogRequest.containerName(request.container, in: pod)
        guard let podLogs else {
            throw StatusError.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: this sandbox runs without a kubelet")
        }
        let uid = pod["metadata"]?["uid"]?.stringValue ?? ""
        let restarts = podLogs.restarts(namespace: namespace, pod: name, uid: uid, container: container)
        let chosen: Int
        if request.previous {
            guard restarts.count >= 2 else {
                throw StatusError.badRequest("previous terminated container \"\(container)\" in pod \"\(name)\" not found")
            }
            chosen = restarts[restarts.count - 2]
        } else {
            guard let last = restarts.last else {
                throw StatusError.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: ContainerCreating")
            }
            chosen = last
        }
        let file = podLogs.file(namespace: namespace, pod: name, uid: uid, container: container, restart: chosen)
        let data = (try? Data(contentsOf: file)) ?? Data()
        let text = request.slice(String(decoding: data, as: UTF8.self))
        guard request.follow, !request.previous else { return .text(status: 200, text) }
        return .textStream(
            followLog(
                file: file, from: UInt64(data.count), first: text, namespace: namespace, pod: name, uid: uid,
                container: container, restart: chosen))
    }

    /// Streams what is appended to a log until that run of the container ends or the pod goes away.
    nonisolated func followLog(
        file: URL, from offset: UInt64, first: String, namespace: String, pod: String, uid: String,
        container: String, restart: Int
    ) -> AsyncStream<String> {
        AsyncStream { continuation in
            let task = Task {
                if !first.isEmpty { continuation.yield(first) }
                var position = offset
                var finalRead = false
                while !Task.isCancelled {
                    if let handle = try? FileHandle(forReadingFrom: file) {
                        try? handle.seek(toOffset: position)
                        if let data = try? handle.readToEnd(), !data.isEmpty {
                            position += UInt64(data.count)
                            continuation.yield(String(decoding: data, as: UTF8.self))
                        }
                        try? handle.close()
                    }
                    if finalRead { break }
                    finalRead = !(await self.isRunning(namespace: namespace, pod: pod, uid: uid, container: container, restart: restart))
                    if !finalRead { try? await Task.sleep(for: .milliseconds(200)) }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Whether the pod still exists and that run of the container is the one running now.
    func isRunning(namespace: String, pod: String, uid: String, container: String, restart: Int) -> Bool {
        guard let object = try? store.get(store.resource("pods")!, namespace: namespace, name: pod),
            object["metadata"]?["uid"]?.stringValue == uid
        else { return false }
        for key in ["initContainerStatuses", "containerStatuses"] {
            guard case .array(let statuses)? = object["status"]?[key] else { continue }
            for status in statuses where status["name"]?.stringValue == container {
                guard case .int(let count)? = status["restartCount"] else { return false }
                return Int(count) == restart && status["state"]?["running"] != nil
            }
        }
        return false
    }
}
