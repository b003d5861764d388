import CNPGCore
import Foundation
import Logging

/// The controllers a cluster's control plane would run, scaled down to what the sandbox needs:
/// namespace defaults, PVC binding, volume snapshots, Jobs, Deployments, PodDisruptionBudget status, and Services
/// (addresses, endpoints, proxies, names).
struct SandboxControllers: Sendable {
    let client: LoopbackKubeClient
    let caPEM: String
    let persistentVolumes: PersistentVolumePaths
    let names: ServiceNames
    let proxy: ServiceProxy
    let serviceAddressBlock: Int
    /// The API server's port, published as the `kubernetes` Service's endpoint.
    let apiServerPort: Int
    let logger: Logger

    /// Runs until cancelled.
    func run() async {
        let services = ServiceController(client: client, names: names, proxy: proxy, addressBlock: serviceAddressBlock, logger: logger)
        let jobs = JobController(client: client, logger: logger)
        let deployments = DeploymentController(client: client, logger: logger)
        let budgets = DisruptionBudgetController(client: client, logger: logger)
        let snapshots = VolumeSnapshotController(client: client, volumes: persistentVolumes, logger: logger)
        await snapshots.install()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await Informer(client: client, type: .namespaces, resyncPeriod: .seconds(60)).run { event in
                    guard case let object? = event.current else { return }
                    await NamespaceDefaults.ensure(in: object, client: client, caPEM: caPEM, logger: logger)
                    if object["metadata"]?["name"]?.stringValue == "default" {
                        await NamespaceDefaults.ensureKubernetesService(client: client, apiServerPort: apiServerPort)
                    }
                }
            }
            group.addTask {
                await Informer(client: client, type: .persistentVolumeClaims, resyncPeriod: .seconds(60)).run { event in
                    await VolumeClaimBinder.handle(event, client: client, paths: persistentVolumes, logger: logger)
                }
            }
            group.addTask {
                await Informer(client: client, type: .volumeSnapshots, resyncPeriod: .seconds(30)).run { event in
                    switch event {
                    case .added(let snapshot), .updated(_, let snapshot), .resync(let snapshot): await snapshots.reconcile(snapshot)
                    case .deleted(let snapshot): await snapshots.snapshotDeleted(snapshot)
                    }
                }
            }
            group.addTask {
                await Informer(client: client, type: .volumeSnapshotContents, resyncPeriod: .seconds(300)).run { event in
                    if case .deleted(let content) = event { snapshots.contentDeleted(content) }
                }
            }
            group.addTask {
                await Informer(client: client, type: .jobs, resyncPeriod: .seconds(10)).run { event in
                    guard case let job? = event.current else { return }
                    await jobs.reconcile(job)
                }
            }
            group.addTask {
                await Informer(client: client, type: .deployments, resyncPeriod: .seconds(10)).run { event in
                    guard case let deployment? = event.current else { return }
                    await deployments.reconcile(deployment)
                }
            }
            group.addTask {
                await Informer(client: client, type: .services, resyncPeriod: .seconds(30)).run { event in
                    let service = event.current ?? event.previous
                    guard let namespace = service?["metadata"]?["namespace"]?.stringValue else { return }
                    await services.reconcile(namespace: namespace, deleted: event.current == nil ? service : nil)
                }
            }
            group.addTask {
                await Informer(client: client, type: .podDisruptionBudgets, resyncPeriod: .seconds(30)).run { event in
                    guard let namespace = event.current?["metadata"]?["namespace"]?.stringValue else { return }
                    await budgets.reconcile(namespace: namespace)
                }
            }
            group.addTask {
                // One pod informer serves services, jobs, disruption budgets and volume protection.
                await Informer(client: client, type: .pods, resyncPeriod: .seconds(30)).run { event in
                    let pod = event.current ?? event.previous
                    guard let namespace = pod?["metadata"]?["namespace"]?.stringValue else { return }
                    await services.reconcile(namespace: namespace, deleted: nil)
                    await budgets.reconcile(namespace: namespace)
                    if let job = pod?["metadata"]?["labels"]?["batch.kubernetes.io/job-name"]?.stringValue,
                        let object = try? await client.get(.jobs, namespace: namespace, name: job)
                    {
                        await jobs.reconcile(object)
                    }
                    if let owner = pod?["metadata"]?["ownerReferences"]?.arrayValue?.first(where: { $0["kind"]?.stringValue == "Deployment" }),
                        let name = owner["name"]?.stringValue, let object = try? await client.get(.deployments, namespace: namespace, name: name)
                    {
                        await deployments.reconcile(object)
                    }
                    let phase = event.current?["status"]?["phase"]?.stringValue
                    if event.current == nil || phase == "Succeeded" || phase == "Failed" {
                        await VolumeClaimBinder.releaseUnused(namespace: namespace, client: client, logger: logger)
                    }
                }
            }
        }
    }
}

extension NamespaceDefaults {
    /// Service `default/kubernetes` and its Endpoints (the API server at 127.0.0.1, where its own
    /// connections to pods come from), as kube-apiserver maintains them: NetworkPolicies that
    /// admit the API server are written from these addresses.
    static func ensureKubernetesService(client: LoopbackKubeClient, apiServerPort: Int) async {
        let labels: JSONValue = .object([("component", .string("apiserver")), ("provider", .string("kubernetes"))])
        if (try? await client.get(.services, namespace: "default", name: "kubernetes")) == nil {
            _ = try? await client.create(
                .services, namespace: "default",
                .object([
                    ("apiVersion", .string("v1")), ("kind", .string("Service")),
                    ("metadata", .object([("name", .string("kubernetes")), ("namespace", .string("default")), ("labels", labels)])),
                    (
                        "spec",
                        .object([
                            ("type", .string("ClusterIP")),
                            (
                                "ports",
                                .array([
                                    .object([
                                        ("name", .string("https")), ("port", .int(443)), ("protocol", .string("TCP")),
                                        ("targetPort", .int(Int64(apiServerPort))),
                                    ])
                                ])
                            ),
                        ])
                    ),
                ]))
        }
        if (try? await client.get(.endpoints, namespace: "default", name: "kubernetes")) == nil {
            _ = try? await client.create(
                .endpoints, namespace: "default",
                .object([
                    ("apiVersion", .string("v1")), ("kind", .string("Endpoints")),
                    ("metadata", .object([("name", .string("kubernetes")), ("namespace", .string("default")), ("labels", labels)])),
                    (
                        "subsets",
                        .array([
                            .object([
                                ("addresses", .array([.object([("ip", .string(SandboxAPI.apiServerAddress))])])),
                                ("ports", .array([.object([("name", .string("https")), ("port", .int(Int64(apiServerPort))), ("protocol", .string("TCP"))])])),
                            ])
                        ])
                    ),
                ]))
        }
        if (try? await client.get(.endpointSlices, namespace: "default", name: "kubernetes")) == nil {
            _ = try? await client.create(
                .endpointSlices, namespace: "default",
                .object([
                    ("apiVersion", .string("discovery.k8s.io/v1")), ("kind", .string("EndpointSlice")),
                    (
                        "metadata",
                        .object([
                            ("name", .string("kubernetes")), ("namespace", .string("default")),
                            (
                                "labels",
                                .object([
                                    ("kubernetes.io/service-name", .string("kubernetes")),
                                    ("endpointslice.kubernetes.io/managed-by", .string("endpointslicemirroring-controller.k8s.io")),
                                ])
                            ),
                        ])
                    ),
                    ("addressType", .string("IPv4")),
                    (
                        "endpoints",
                        .array([
                            .object([
                                ("addresses", .array([.string(SandboxAPI.apiServerAddress)])),
                                ("conditions", .object([("ready", .bool(true))])),
                            ])
                        ])
                    ),
                    ("ports", .array([.object([("name", .string("https")), ("port", .int(Int64(apiServerPort))), ("protocol", .string("TCP"))])])),
                ]))
        }
    }
}

/// Every namespace gets ServiceAccount `default` and ConfigMap `kube-root-ca.crt` (the CA pods use
/// to trust the API server), as kube-controller-manager provides.
enum NamespaceDefaults {
    static func ensure(in namespace: JSONValue, client: LoopbackKubeClient, caPEM: String, logger: Logger) async {
        guard let name = namespace["metadata"]?["name"]?.stringValue, namespace["metadata"]?["deletionTimestamp"] == nil else { return }
        if (try? await client.get(.serviceAccounts, namespace: name, name: "default")) == nil {
            _ = try? await client.create(
                .serviceAccounts, namespace: name,
                .object([
                    ("apiVersion", .string("v1")), ("kind", .string("ServiceAccount")),
                    ("metadata", .object([("name", .string("default")), ("namespace", .string(name))])),
                ]))
        }
        if (try? await client.get(.configMaps, namespace: name, name: "kube-root-ca.crt")) == nil {
            _ = try? await client.create(
                .configMaps, namespace: name,
                .object([
                    ("apiVersion", .string("v1")), ("kind", .string("ConfigMap")),
                    ("metadata", .object([("name", .string("kube-root-ca.crt")), ("namespace", .string(name))])),
                    ("data", .object([("ca.crt", .string(caPEM))])),
                ]))
        }
    }
}

/// Binds every PVC at once to a directory (its "volume"), protects it while a pod uses it (the
/// `kubernetes.io/pvc-protection` finalizer: a deleted PVC stays until no running pod mounts it),
/// and removes the directory with the PVC.
enum VolumeClaimBinder {
    static let protectionFinalizer = "kubernetes.io/pvc-protection"

    static func handle(_ event: InformerEvent, client: LoopbackKubeClient, paths: PersistentVolumePaths, logger: Logger) async {
        switch event {
        case .deleted(let claim):
            guard let namespace = claim["metadata"]?["namespace"]?.stringValue, let name = claim["metadata"]?["name"]?.stringValue,
                let uid = claim["metadata"]?["uid"]?.stringValue
            else { return }
            paths.remove(paths.directory(namespace: namespace, claim: name, uid: uid))
        case .added(let claim), .updated(_, let claim), .resync(let claim):
            guard let namespace = claim["metadata"]?["namespace"]?.stringValue, let name = claim["metadata"]?["name"]?.stringValue,
                let uid = claim["metadata"]?["uid"]?.stringValue
            else { return }
            if claim["metadata"]?["deletionTimestamp"] != nil {
                await releaseIfUnused(claim, client: client, logger: logger)
                return
            }
            let finalizers = ObjectStore.finalizers(of: claim)
            if !finalizers.contains(protectionFinalizer) {
                let patch: JSONValue = .object([("metadata", .object([("finalizers", .array((finalizers + [protectionFinalizer]).map(JSONValue.string)))]))])
                _ = try? await client.patch(
                    .persistentVolumeClaims, namespace: namespace, name: name, patch, patchType: .merge,
                    subresource: nil, fieldManager: nil)
            }
            let directory = paths.directory(namespace: namespace, claim: name, uid: uid)
            let requested = PersistentVolumePaths.requestedBytes(claim) ?? (1 << 30)
            guard claim["status"]?["phase"]?.stringValue != "Bound" else {
                await expandIfRequested(claim, directory: directory, bytes: requested, client: client, paths: paths, logger: logger)
                return
            }
            // Events queued while an earlier one bound the claim still say Pending: the stored claim decides,
            // so a restored volume is copied once and never again over a volume in use.
            guard let current = try? await client.get(.persistentVolumeClaims, namespace: namespace, name: name),
                current["metadata"]?["uid"]?.stringValue == uid, current["status"]?["phase"]?.stringValue != "Bound"
            else { return }
            // A claim with a data source binds only once its content is there (a snapshot not ready yet keeps it Pending).
            var origin: URL?
            if claim["spec"]?["dataSourceRef"] != nil || claim["spec"]?["dataSource"] != nil {
                guard let found = await dataSourceDirectory(of: claim, namespace: namespace, client: client, paths: paths) else { return }
                origin = found
            }
            do {
                try paths.provide(directory, bytes: requested)
                if let origin {
                    if let failure = try await PersistentVolumePaths.copyContents(of: origin, into: directory) {
                        logger.warning("cannot restore pvc \(namespace)/\(name): \(failure)")
                        return
                    }
                    logger.info("volume restored", metadata: ["pvc": "\(namespace)/\(name)", "from": "\(origin.lastPathComponent)"])
                }
                if claim["spec"]?["volumeName"]?.stringValue == nil {
                    _ = try await client.patch(
                        .persistentVolumeClaims, namespace: namespace, name: name,
                        .object([("spec", .object([("volumeName", .string("pvc-\(uid)"))]))]),
                        patchType: .merge, subresource: nil, fieldManager: nil)
                }
                let status: JSONValue = .object([
                    ("phase", .string("Bound")),
                    ("accessModes", claim["spec"]?["accessModes"] ?? .array([.string("ReadWriteOnce")])),
                    ("capacity", .object([("storage", claim["spec"]?["resources"]?["requests"]?["storage"] ?? .string("1Gi"))])),
                ])
                _ = try await client.patch(
                    .persistentVolumeClaims, namespace: namespace, name: name, .object([("status", status)]),
                    patchType: .merge, subresource: "status", fieldManager: nil)
            } catch let error as PersistentVolumePaths.MountError {
                logger.warning("cannot bind pvc \(namespace)/\(name): \(error)")
            } catch {
                logger.debug("cannot bind pvc \(namespace)/\(name): \(error)")
            }
        }
    }

    /// The VolumeSnapshot a claim restores from (`spec.dataSourceRef` or `spec.dataSource`), if any.
    static func snapshotSource(of claim: JSONValue) -> String? {
        guard let source = claim["spec"]?["dataSourceRef"] ?? claim["spec"]?["dataSource"],
            source["kind"]?.stringValue == "VolumeSnapshot", source["apiGroup"]?.stringValue == "snapshot.storage.k8s.io"
        else { return nil }
        return source["name"]?.stringValue
    }

    /// The directory whose content a new claim starts with: a ready VolumeSnapshot's copy, or a
    /// bound claim's volume (a clone); nil while there is none (the claim waits, as on a cluster).
    static func dataSourceDirectory(
        of claim: JSONValue, namespace: String, client: LoopbackKubeClient,
        paths: PersistentVolumePaths
    ) async -> URL? {
        guard let source = claim["spec"]?["dataSourceRef"] ?? claim["spec"]?["dataSource"], let sourceName = source["name"]?.stringValue else { return nil }
        if let snapshotName = snapshotSource(of: claim) {
            guard let snapshot = try? await client.get(.volumeSnapshots, namespace: namespace, name: snapshotName),
                snapshot["status"]?["readyToUse"] == .bool(true),
                let content = snapshot["status"]?["boundVolumeSnapshotContentName"]?.stringValue
            else { return nil }
            let directory = paths.snapshotDirectory(content: content)
            return FileManager.default.fileExists(atPath: directory.path) ? directory : nil
        }
        guard source["kind"]?.stringValue == "PersistentVolumeClaim", (source["apiGroup"]?.stringValue ?? "").isEmpty,
            let original = try? await client.get(.persistentVolumeClaims, namespace: namespace, name: sourceName),
            original["status"]?["phase"]?.stringValue == "Bound", let uid = original["metadata"]?["uid"]?.stringValue
        else { return nil }
        return paths.directory(namespace: namespace, claim: sourceName, uid: uid)
    }

    /// A bound claim whose request grew gets a volume that large (online expansion, as a CSI
    /// driver with allowVolumeExpansion does); its status capacity follows.
    static func expandIfRequested(
        _ claim: JSONValue, directory: URL, bytes: UInt64, client: LoopbackKubeClient,
        paths: PersistentVolumePaths, logger: Logger
    ) async {
        guard let namespace = claim["metadata"]?["namespace"]?.stringValue, let name = claim["metadata"]?["name"]?.stringValue,
            let requested = claim["spec"]?["resources"]?["requests"]?["storage"]?.stringValue
        else { return }
        let capacity = claim["status"]?["capacity"]?["storage"]?.stringValue.flatMap { try? Quantity($0) }
        guard let wanted = try? Quantity(requested), capacity.map({ wanted > $0 }) ?? true else { return }
        do {
            try paths.provide(directory, bytes: bytes)
            _ = try await client.patch(
                .persistentVolumeClaims, namespace: namespace, name: name,
                .object([("status", .object([("capacity", .object([("storage", .string(requested))]))]))]),
                patchType: .merge, subresource: "status", fieldManager: nil)
            logger.info("volume expanded", metadata: ["pvc": "\(namespace)/\(name)", "size": "\(requested)"])
        } catch {
            logger.warning("cannot expand pvc \(namespace)/\(name): \(error)")
        }
    }

    /// Pods that still hold a claim: any pod of the namespace that is not finished (terminating ones included).
    static func isInUse(_ claim: String, pods: [JSONValue]) -> Bool {
        pods.contains { pod in
            let phase = pod["status"]?["phase"]?.stringValue
            guard phase != "Succeeded", phase != "Failed", case .array(let volumes)? = pod["spec"]?["volumes"] else { return false }
            return volumes.contains { $0["persistentVolumeClaim"]?["claimName"]?.stringValue == claim }
        }
    }

    /// Lets a deleted claim go once no pod uses it.
    static func releaseIfUnused(_ claim: JSONValue, client: LoopbackKubeClient, logger: Logger) async {
        guard let namespace = claim["metadata"]?["namespace"]?.stringValue, let name = claim["metadata"]?["name"]?.stringValue,
            ObjectStore.finalizers(of: claim).contains(protectionFinalizer),
            let pods = try? await client.list(.pods, namespace: namespace, labelSelector: nil, fieldSelector: nil),
            !isInUse(name, pods: pods.items)
        else { return }
        let remaining = ObjectStore.finalizers(of: claim).filter { $0 != protectionFinalizer }
        let patch: JSONValue = .object([("metadata", .object([("finalizers", .array(remaining.map(JSONValue.string)))]))])
        do {
            _ = try await client.patch(
                .persistentVolumeClaims, namespace: namespace, name: name, patch, patchType: .merge,
                subresource: nil, fieldManager: nil)
        } catch {
            logger.debug("cannot release pvc \(namespace)/\(name): \(error)")
        }
    }

    /// After a pod goes away, deleted claims of its namespace may be free.
    static func releaseUnused(namespace: String, client: LoopbackKubeClient, logger: Logger) async {
        guard let claims = try? await client.list(.persistentVolumeClaims, namespace: namespace, labelSelector: nil, fieldSelector: nil) else { return }
        for claim in claims.items where claim["metadata"]?["deletionTimestamp"] != nil {
            await releaseIfUnused(claim, client: client, logger: logger)
        }
    }
}
