import CNPGCore
import Foundation

/// What every pod worker shares: the API, the node's directories, the image map, the prober and
/// the cluster's name table.
struct KubeletContext: Sendable {
    let client: LoopbackKubeClient
    let nodeName: String
    /// `<state>/kubelet`: pods' directories (volumes, roots, generated files).
    let directory: URL
    let logs: PodLogDirectory
    let persistentVolumes: PersistentVolumePaths
    let imageMap: ImageMap
    /// The `kube-sandbox-exec` helper.
    let helperPath: String
    let prober: Prober
    let apiServerHost: String
    let apiServerPort: Int
    /// First delay before a crashed container is restarted; doubled each time up to `maximumBackoff`.
    let restartBackoff: Duration
    let maximumBackoff: Duration
    let hostPasswd: String
    let hostGroup: String
    let names: ServiceNames

    func podDirectory(uid: String) -> URL { directory.appendingPathComponent("pods").appendingPathComponent(uid) }

    /// Container helpers started and not yet reaped, one file per PID, so a sandbox that was
    /// killed outright can stop what it left behind when it starts again.
    var runningDirectory: URL { directory.appendingPathComponent("running") }

    func recordRunning(_ pid: Int32) {
        try? FileManager.default.createDirectory(at: runningDirectory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: runningDirectory.appendingPathComponent(String(pid)).path, contents: Data(helperPath.utf8))
    }

    func forgetRunning(_ pid: Int32) {
        unlink(runningDirectory.appendingPathComponent(String(pid)).path)
    }

    /// Kills helpers recorded by an earlier run that are still alive (checked by their command line).
    func killLeftovers() -> [Int32] {
        var killed: [Int32] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: runningDirectory.path)) ?? [] {
            defer { unlink(runningDirectory.appendingPathComponent(name).path) }
            guard let pid = Int32(name), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                String(decoding: data, as: UTF8.self).contains("kube-sandbox-exec")
            else { continue }
            kill(pid, SIGKILL)
            killed.append(pid)
        }
        return killed
    }

    func backoff(afterRestarts restarts: Int) -> Duration {
        var delay = restartBackoff
        for _ in 0..<min(restarts, 16) where delay < maximumBackoff { delay = delay * 2 }
        return min(delay, maximumBackoff)
    }
}

/// The names pods can resolve: services as `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc` and
/// `<svc>.<ns>.svc.cluster.local`, written into each pod's /etc/hosts (the sandbox's DNS).
actor ServiceNames {
    /// namespace -> service -> address
    private var addresses: [String: [String: String]] = [:]
    private var subscribers: [UUID: @Sendable () async -> Void] = [:]

    func set(namespace: String, service: String, address: String?) async {
        guard addresses[namespace]?[service] != address else { return }
        addresses[namespace, default: [:]][service] = address
        for subscriber in subscribers.values { await subscriber() }
    }

    func subscribe(_ id: UUID, _ onChange: @escaping @Sendable () async -> Void) { subscribers[id] = onChange }
    func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    /// /etc/hosts for a pod.
    func hostsFile(podName: String, namespace: String, podIP: String) -> String {
        Self.render(addresses, podName: podName, namespace: namespace, podIP: podIP)
    }

    static func render(_ addresses: [String: [String: String]], podName: String, namespace: String, podIP: String) -> String {
        var lines = [
            "# Kubernetes-managed hosts file (kube-sandbox).", "127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback",
            "\(podIP)\t\(podName)",
        ]
        for (serviceNamespace, services) in addresses.sorted(by: { $0.key < $1.key }) {
            for (service, address) in services.sorted(by: { $0.key < $1.key }) {
                var names = ["\(service).\(serviceNamespace).svc.cluster.local", "\(service).\(serviceNamespace).svc", "\(service).\(serviceNamespace)"]
                if serviceNamespace == namespace { names.append(service) }
                lines.append("\(address)\t\(names.joined(separator: " "))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
