import CNPGCore
import Foundation
import Logging
import ServiceLifecycle

/// Watches Clusters and what they own (the objects labelled `cnpg.io/cluster`) and feeds their
/// keys to workers that run `ClusterReconciler`, until graceful shutdown. The owned objects'
/// informers also serve the reconciler's reads (`InformerBackedKubeClient`), and an owned object
/// changed or deleted by someone else brings its Cluster back into line at once.
struct ClusterController: ServiceLifecycle.Service {
    let client: any KubeClient
    let namespace: String?
    let reconciler: ClusterReconciler
    let ownedInformers: [Informer]
    let workers: Int
    /// The Poolers' informer: its cache serves the reconciler (which Clusters have a Pooler
    /// integration) and its events feed both this controller and `poolers`.
    let poolerInformer: Informer
    let poolers: PoolerController
    let backups: BackupController
    let logger: Logger

    /// The kinds a Cluster owns that carry its label, watched and cached.
    static let ownedTypes: [ResourceType] = [
        .pods, .jobs, .persistentVolumeClaims, .secrets, .services, .serviceAccounts, .roles, .roleBindings, .podDisruptionBudgets,
    ]

    static func ownedInformers(client: any KubeClient, namespace: String?) -> [Informer] {
        ownedTypes.map { Informer(client: client, type: $0, namespace: namespace, labelSelector: CNPGLabels.cluster, resyncPeriod: .seconds(600)) }
    }

    static func poolerInformer(client: any KubeClient, namespace: String?) -> Informer {
        Informer(client: client, type: .poolers, namespace: namespace, resyncPeriod: .seconds(300))
    }

    func run() async throws {
        let queue = WorkQueue<ClusterReconciler.Key>(name: OperatorMetrics.controller)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await Informer(client: client, type: .clusters, namespace: namespace, resyncPeriod: .seconds(300)).run { event in
                        if let key = Self.clusterKey(of: event, owned: false) { await queue.add(key) }
                    }
                }
                let (poolerEvents, poolerFeed) = AsyncStream<InformerEvent>.makeStream()
                group.addTask {
                    await poolerInformer.run { event in
                        poolerFeed.yield(event)
                        // A Pooler's automated integration needs its Cluster's certificate and status.
                        if case .resync = event { return }
                        guard let object = event.current ?? event.previous, let namespace = object["metadata"]?["namespace"]?.stringValue,
                            let cluster = object["spec"]?["cluster"]?["name"]?.stringValue
                        else { return }
                        await queue.add(ClusterReconciler.Key(namespace: namespace, name: cluster))
                    }
                    poolerFeed.finish()
                }
                group.addTask { await poolers.run(poolerEvents: poolerEvents) }
                group.addTask { await backups.run() }
                for informer in ownedInformers {
                    group.addTask {
                        await informer.run { event in
                            // A periodic re-delivery of every owned object would only repeat the Clusters' own resync.
                            if case .resync = event { return }
                            if let key = Self.clusterKey(of: event, owned: true) { await queue.add(key) }
                        }
                    }
                }
                for _ in 0..<workers {
                    group.addTask { await work(queue) }
                }
                await withTaskCancellationHandler {
                    await group.next()
                } onCancel: {
                    Task { await queue.shutDown() }
                }
                group.cancelAll()
            }
        }
    }

    func work(_ queue: WorkQueue<ClusterReconciler.Key>) async {
        let clock = ContinuousClock()
        while let key = await queue.next() {
            let started = clock.now
            do {
                let requeue = try await reconciler.reconcile(key)
                OperatorMetrics.reconciled(result: requeue == nil ? "success" : "requeue_after", duration: clock.now - started)
                await queue.forget(key)
                if let requeue { queue.add(key, after: requeue) }
            } catch let error as KubeAPIError where error.isConflict {
                // Someone wrote the Cluster since this pass read it: start over from the new version.
                OperatorMetrics.reconciled(result: "error", duration: clock.now - started)
                logger.debug("reconcile conflicted; starting over", metadata: ["cluster": "\(key)"])
                await queue.retry(key)
            } catch {
                OperatorMetrics.reconciled(result: "error", duration: clock.now - started)
                logger.warning("reconcile failed", metadata: ["cluster": "\(key)", "error": "\(error)"])
                await queue.retry(key)
            }
            await queue.done(key)
        }
    }

    /// The Cluster an event is about: the object itself, or the owner named by `cnpg.io/cluster`.
    static func clusterKey(of event: InformerEvent, owned: Bool) -> ClusterReconciler.Key? {
        guard let object = event.current ?? event.previous, let namespace = object["metadata"]?["namespace"]?.stringValue else { return nil }
        let name = owned ? object["metadata"]?["labels"]?[CNPGLabels.cluster]?.stringValue : object["metadata"]?["name"]?.stringValue
        return name.map { ClusterReconciler.Key(namespace: namespace, name: $0) }
    }
}
