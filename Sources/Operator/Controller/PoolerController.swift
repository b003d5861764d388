import CNPGCore
import Foundation
import Logging

/// Watches Poolers and their Deployments and runs `PoolerReconciler` for each change, inside the
/// Cluster controller (so leader election covers both).
struct PoolerController: Sendable {
    let client: any KubeClient
    let namespace: String?
    let reconciler: PoolerReconciler
    let logger: Logger

    func run() async {
        let queue = WorkQueue<PoolerReconciler.Key>(name: "pooler")
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await Informer(client: client, type: .poolers, namespace: namespace, resyncPeriod: .seconds(300)).run { event in
                    guard let object = event.current ?? event.previous, let name = object["metadata"]?["name"]?.stringValue,
                          let namespace = object["metadata"]?["namespace"]?.stringValue else { return }
                    await queue.add(PoolerReconciler.Key(namespace: namespace, name: name))
                }
            }
            group.addTask {
                await Informer(client: client, type: .deployments, namespace: namespace, labelSelector: CNPGLabels.poolerName,
                               resyncPeriod: .seconds(600)).run { event in
                    if case .resync = event { return }
                    guard let object = event.current ?? event.previous, let name = object["metadata"]?["labels"]?[CNPGLabels.poolerName]?.stringValue,
                          let namespace = object["metadata"]?["namespace"]?.stringValue else { return }
                    await queue.add(PoolerReconciler.Key(namespace: namespace, name: name))
                }
            }
            group.addTask {
                while let key = await queue.next() {
                    do {
                        let requeue = try await reconciler.reconcile(key)
                        await queue.forget(key)
                        if let requeue { queue.add(key, after: requeue) }
                    } catch {
                        logger.warning("pooler reconcile failed", metadata: ["pooler": "\(key)", "error": "\(error)"])
                        await queue.retry(key)
                    }
                    await queue.done(key)
                }
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
