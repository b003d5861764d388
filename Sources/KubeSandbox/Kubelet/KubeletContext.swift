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
        var lines = ["# Kubernetes-managed hosts file (kube-sandbox).", "127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback",
                     "\(podIP)\t\(podName)"]
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
