import CNPGCore
import Foundation

/// The kubelet's answer to "which process is this container?", for `kubectl exec`.
protocol ContainerProcesses: Sendable {
    /// The host PID of a running container's first process; nil if that container does not run.
    func processID(podUID: String, container: String) async -> Int32?
}

extension SandboxAPI {
    /// `pods/NAME/exec`: checks the request and finds the container's process. Only a WebSocket
    /// upgrade can carry the session; a plain request gets 400, as from kube-apiserver.
    func podExec(namespace: String, name: String, request: APIRequest) async throws -> APIResponse {
        let options = try PodExecOptions(query: request.queryValues)
        let pod = try store.get(.pods, namespace: namespace, name: name)
        let container = try PodLogRequest.containerName(options.container, in: pod)
        guard let containerProcesses else {
            throw StatusError.badRequest("container \"\(container)\" in pod \"\(name)\" is not running: this sandbox runs without a kubelet")
        }
        let uid = pod["metadata"]?["uid"]?.stringValue ?? ""
        guard let processID = await containerProcesses.processID(podUID: uid, container: container) else {
            throw StatusError.badRequest("container \"\(container)\" in pod \"\(name)\" is not running")
        }
        return .exec(ExecTarget(namespace: namespace, pod: name, container: container, processID: processID, options: options))
    }
}

extension SandboxAPI {
    /// For a WebSocket request (`path` with its query) from `user` that may open an exec session:
    /// the negotiated protocol and the target once RBAC (`create` on `pods/exec`) and the pod's
    /// state allow it; nil otherwise (also without a user), and the request goes on as a plain one
    /// that answers with the reason.
    func execUpgrade(path: String, user: UserInfo?, offeredProtocols: String?) async -> (protocol: String, target: ExecTarget)? {
        let parts = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts[0].hasSuffix("/exec"), let chosen = RemoteCommandProtocol.negotiate(offered: offeredProtocols), let user else { return nil }
        var request = APIRequest(method: "GET", path: String(parts[0]))
        request.queryValues = parts.count > 1 ? PodExecOptions.parseQuery(parts[1]) : [:]
        request.query = request.queryValues.compactMapValues(\.last)
        guard case .exec(let target) = await handle(request, user: user) else { return nil }
        return (chosen, target)
    }
}
