import CNPGCore
import Foundation
import Logging

/// Runs `PoolerReconciler` for each change of a Pooler (events of the Cluster controller's Pooler
/// informer) or of its Deployment, inside the Cluster controller (so leader election covers both).
struct PoolerController: Sendable {
    let client: any KubeClient
    let namespace: String?
    let reconciler: PoolerReconciler
    let logger: Logger

    func run(poolerEvents: AsyncStream<InformerEvent>) async {
        let queue = WorkQueue<PoolerReconciler.Key>(name: "pooler")
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in poolerEvents {
                    guard let object = event.current ?? event.previous, let name = object["metadata"]?["name"]?.stringValue,
                        let namespace = object["metadata"]?["namespace"]?.stringValue
                    else { continue }
                    await queue.add(PoolerReconciler.Key(namespace: namespace, name: name))
                }
            }
            group.addTask {
                await Informer(
                    client: client, type: .deployments, namespace: namespace, labelSelector: CNPGLabels.poolerName,
                    resyncPeriod: .seconds(600)
                ).run { event in
                    if case .resync = event { return }
                    guard let object = event.current ?? event.previous, let name = object["metadata"]?["labels"]?[CNPGLabels.poolerName]?.stringValue,
                        let namespace = object["metadata"]?["namespace"]?.stringValue
                    else { return }
                    await queue.add(PoolerReconciler.Key(namespace: namespace, name: name))
                }
            }
            group.addTask { await queue.work(label: "pooler", logger: logger) { try await reconciler.reconcile($0) } }
            await withTaskCancellationHandler {
                await group.next()
            } onCancel: {
                Task { await queue.shutDown() }
            }
            group.cancelAll()
        }
    }
}
