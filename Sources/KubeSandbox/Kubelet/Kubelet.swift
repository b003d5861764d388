import AsyncHTTPClient
import CNPGCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Settings of the process kubelet.
public struct KubeletConfiguration: Sendable {
    public var stateDirectory: URL
    public var imageMap: ImageMap
    /// The `kube-sandbox-exec` helper that enters a container's namespaces.
    public var helperPath: String
    public var nodeName = "sandbox"
    public var restartBackoff: Duration = .seconds(1)
    public var maximumBackoff: Duration = .seconds(60)
    /// When the sandbox stops, pods get at most this long to end before SIGKILL.
    public var shutdownGrace: Duration = .seconds(10)
    /// The sandbox CA, published to every namespace as ConfigMap `kube-root-ca.crt`.
    public var caPEM: String
    /// Pods get addresses in 127.<block>.0.0/16 and services in 127.<block+1>.0.0/16, so several
    /// sandboxes can share a machine.
    public var addressBlock = 0
    /// Persistent volumes are tmpfs mounts of the requested size (they fill up, and grow when resized).
    public var limitVolumeCapacity = false

    public init(stateDirectory: URL, imageMap: ImageMap, helperPath: String, caPEM: String) {
        self.stateDirectory = stateDirectory
        self.imageMap = imageMap
        self.helperPath = helperPath
        self.caPEM = caPEM
    }
}

/// The sandbox's node: binds pods to itself, runs them through `PodWorker`s, and runs the
/// controllers a node-local cluster needs (namespaces' defaults, PVC binding, Jobs, Services).
public actor Kubelet {
    let api: SandboxAPI
    let client: LoopbackKubeClient
    let configuration: KubeletConfiguration
    let logger: Logger
    var workers: [String: PodWorker] = [:]
    var stopping: Set<String> = []
    /// The node is cordoned (`spec.unschedulable`): new pods stay Pending (Kubelet+Scheduling).
    var nodeUnschedulable = false
    var addresses: AddressPool
    let names = ServiceNames()

    public init(api: SandboxAPI, configuration: KubeletConfiguration, logger: Logger) {
        self.addresses = AddressPool(secondOctet: configuration.addressBlock, firstHost: 254)
        self.api = api
        self.client = LoopbackKubeClient(api: api)
        self.configuration = configuration
        self.logger = logger
    }

    var directory: URL { configuration.stateDirectory.appendingPathComponent("kubelet") }

    /// Runs until cancelled, then stops every pod it started.
    public func run(apiServerPort: Int) async {
        let logs = PodLogDirectory(root: directory.appendingPathComponent("logs"))
        await api.attachKubelet(logs: logs, containers: self)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        var httpConfiguration = HTTPClient.Configuration(tlsConfiguration: tls)
        // A refused probe fails at once, as the kubelet's does (AsyncHTTPClient would retry until the probe's timeout).
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        let scratch = directory.appendingPathComponent("scratch")
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let context = KubeletContext(
            client: client, nodeName: configuration.nodeName, directory: directory, logs: logs,
            persistentVolumes: PersistentVolumePaths(
                root: directory.appendingPathComponent("persistent-volumes"),
                limitCapacity: configuration.limitVolumeCapacity),
            imageMap: configuration.imageMap, helperPath: configuration.helperPath,
            prober: Prober(http: http, group: MultiThreadedEventLoopGroup.singleton, scratchDirectory: scratch.path),
            apiServerHost: "127.0.0.1", apiServerPort: apiServerPort,
            restartBackoff: configuration.restartBackoff, maximumBackoff: configuration.maximumBackoff,
            hostPasswd: (try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? "root:x:0:0:root:/root:/bin/sh\n",
            hostGroup: (try? String(contentsOfFile: "/etc/group", encoding: .utf8)) ?? "root:x:0:\n",
            names: names)
        let leftovers = context.killLeftovers()
        context.persistentVolumes.unmountAll()
        if !leftovers.isEmpty { logger.warning("stopped containers left by an earlier run", metadata: ["pids": "\(leftovers)"]) }
        await registerNode()
        let proxy = ServiceProxy(group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let controllers = SandboxControllers(
            client: client, caPEM: configuration.caPEM, persistentVolumes: context.persistentVolumes,
            names: names, proxy: proxy, serviceAddressBlock: configuration.addressBlock + 1,
            apiServerPort: apiServerPort, logger: logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let informer = Informer(client: self.client, type: .pods, resyncPeriod: .seconds(30))
                await informer.run { event in await self.handle(event, context: context) }
            }
            group.addTask { await controllers.run() }
            group.addTask {
                await Informer(client: self.client, type: .nodes, resyncPeriod: .seconds(30)).run { event in
                    if let node = event.current { await self.nodeChanged(node) }
                }
            }
        }
        await stopAllPods()
        let unmounted = context.persistentVolumes.unmountAll()
        if !unmounted.isEmpty { logger.info("persistent volumes unmounted", metadata: ["count": "\(unmounted.count)"]) }
        await proxy.stop()
        try? await http.shutdown()
    }

    /// Announces node `sandbox` (Ready) so pods can be scheduled and `kubectl get nodes` shows it.
    func registerNode() async {
        let now = ObjectStore.timestamp(Date())
        let node: JSONValue = .object([
            ("apiVersion", .string("v1")), ("kind", .string("Node")),
            (
                "metadata",
                .object([
                    ("name", .string(configuration.nodeName)),
                    (
                        "labels",
                        .object([
                            ("kubernetes.io/hostname", .string(configuration.nodeName)), ("kubernetes.io/os", .string("linux")),
                            ("kubernetes.io/arch", .string("amd64")), ("node-role.kubernetes.io/control-plane", .string("")),
                        ])
                    ),
                ])
            ),
            (
                "status",
                .object([
                    (
                        "conditions",
                        .array([
                            .object([
                                ("type", .string("Ready")), ("status", .string("True")), ("reason", .string("KubeletReady")),
                                ("message", .string("kubelet is posting ready status")),
                                ("lastHeartbeatTime", .string(now)), ("lastTransitionTime", .string(now)),
                            ])
                        ])
                    ),
                    (
                        "addresses",
                        .array([
                            .object([("type", .string("InternalIP")), ("address", .string("127.0.0.1"))]),
                            .object([("type", .string("Hostname")), ("address", .string(configuration.nodeName))]),
                        ])
                    ),
                    (
                        "nodeInfo",
                        .object([
                            ("kubeletVersion", .string("v1.32.0-sandbox")), ("operatingSystem", .string("linux")),
                            ("architecture", .string("amd64")), ("containerRuntimeVersion", .string("sandbox://process")),
                        ])
                    ),
                ])
            ),
        ])
        do {
            let created = try await client.create(.nodes, namespace: nil, node)
            _ = try? await client.update(.nodes, namespace: nil, created.setting("status", to: node["status"] ?? .null), subresource: "status")
        } catch {
            logger.debug("node registration: \(error)")
        }
    }

    func handle(_ event: InformerEvent, context: KubeletContext) async {
        switch event {
        case .added(let pod), .updated(_, let pod), .resync(let pod):
            await sync(pod, context: context)
        case .deleted(let pod):
            guard let uid = pod["metadata"]?["uid"]?.stringValue, let worker = workers[uid] else { return }
            await stop(worker, uid: uid, grace: .seconds(2), deleteAfterwards: nil)
        }
    }

    func sync(_ pod: JSONValue, context: KubeletContext) async {
        guard let uid = pod["metadata"]?["uid"]?.stringValue, let name = pod["metadata"]?["name"]?.stringValue else { return }
        let namespace = pod["metadata"]?["namespace"]?.stringValue ?? "default"
        guard let nodeName = pod["spec"]?["nodeName"]?.stringValue, !nodeName.isEmpty else {
            if pod["metadata"]?["deletionTimestamp"] == nil {
                await schedule(pod, namespace: namespace, name: name)
            } else {
                // Never bound, nothing runs: it goes at once.
                await finishDeletion(namespace: namespace, name: name, uid: uid)
            }
            return
        }
        guard nodeName == configuration.nodeName else { return }
        if pod["metadata"]?["deletionTimestamp"] != nil {
            guard !stopping.contains(uid) else { return }
            stopping.insert(uid)
            var grace = Duration.seconds(30)
            if case .int(let seconds)? = pod["metadata"]?["deletionGracePeriodSeconds"] { grace = .seconds(seconds) }
            if let worker = workers[uid] {
                Task { await self.stop(worker, uid: uid, grace: grace, deleteAfterwards: (namespace, name)) }
            } else {
                Task { await self.finishDeletion(namespace: namespace, name: name, uid: uid) }
            }
            return
        }
        if let worker = workers[uid] {
            await worker.observe(pod)
            return
        }
        let phase = pod["status"]?["phase"]?.stringValue
        guard phase != "Succeeded", phase != "Failed" else { return }
        let spec: PodSpec
        do {
            spec = try ObjectCodec.decode(PodSpec.self, from: pod["spec"] ?? .object([]))
        } catch {
            logger.warning("cannot run pod \(namespace)/\(name): \(error)")
            return
        }
        guard let address = addresses.address(for: uid) else {
            logger.error("no loopback address left for pod \(namespace)/\(name)")
            return
        }
        let worker = PodWorker(context: context, pod: pod, spec: spec, podIP: address, logger: logger)
        workers[uid] = worker
        await worker.start()
    }

    /// The scheduler's part: every pod goes to this node.
    func bind(namespace: String, name: String) async {
        let patch: JSONValue = .object([("spec", .object([("nodeName", .string(configuration.nodeName))]))])
        do {
            _ = try await client.patch(.pods, namespace: namespace, name: name, patch, patchType: .merge, subresource: nil, fieldManager: nil)
        } catch {
            logger.debug("cannot bind pod \(namespace)/\(name): \(error)")
        }
    }

    func stop(_ worker: PodWorker, uid: String, grace: Duration, deleteAfterwards: (String, String)?) async {
        await worker.terminate(grace: grace)
        workers[uid] = nil
        addresses.release(uid)
        if let (namespace, name) = deleteAfterwards { await finishDeletion(namespace: namespace, name: name, uid: uid) }
        stopping.remove(uid)
    }

    func finishDeletion(namespace: String, name: String, uid: String) async {
        do {
            try await client.deleteNow(.pods, namespace: namespace, name: name, uid: uid)
        } catch {
            logger.debug("final deletion of pod \(namespace)/\(name): \(error)")
        }
        stopping.remove(uid)
    }

    /// On the sandbox's shutdown: every pod stops, SIGKILL after `shutdownGrace`.
    func stopAllPods() async {
        let running = workers
        await withTaskGroup(of: Void.self) { group in
            for (_, worker) in running {
                group.addTask { await worker.terminate(grace: self.configuration.shutdownGrace) }
            }
        }
        workers = [:]
    }

    /// PIDs of the container processes running now (tests use this to check cleanup).
    public func runningProcessIDs() async -> [Int32] {
        var result: [Int32] = []
        for worker in workers.values { result += await worker.runningProcessIDs }
        return result
    }
}

extension Kubelet: ContainerProcesses {
    func processID(podUID: String, container: String) async -> Int32? {
        await workers[podUID]?.runningContainerPID(container)
    }
}
