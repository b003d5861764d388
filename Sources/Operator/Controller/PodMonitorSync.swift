import CNPGCore
import Foundation
import Logging

/// PodMonitors of Clusters and Poolers (`PodMonitorBuilder`): created and kept in step while
/// `enablePodMonitor` is on, deleted once it is turned off (only the one the operator made, owned
/// by that object). Without the Prometheus Operator's CRD the API answers 404 for the type, and
/// nothing is done.
struct PodMonitorSync: Sendable {
    let client: any KubeClient
    let logger: Logger

    func reconcile(_ desired: JSONValue, enabled: Bool, namespace: String) async {
        let name = desired["metadata"]?["name"]?.stringValue ?? ""
        let owner = desired["metadata"]?["ownerReferences"]?.arrayValue?.first?["uid"]
        do {
            if enabled {
                try await ObjectSync(client: client).ensure(.podMonitors, namespace: namespace, desired, update: ObjectSync.replacing(["spec"], from: desired))
            } else if let current = try? await client.get(.podMonitors, namespace: namespace, name: name),
                owner != nil, current["metadata"]?["ownerReferences"]?.arrayValue?.contains(where: { $0["uid"] == owner }) == true
            {
                try await client.delete(.podMonitors, namespace: namespace, name: name, propagation: .background)
                logger.info("PodMonitor deleted: enablePodMonitor is off", metadata: ["podMonitor": "\(namespace)/\(name)"])
            }
        } catch let error as KubeAPIError where error.code == 404 {
            logger.debug("no PodMonitor: the monitoring.coreos.com CRD is not installed", metadata: ["podMonitor": "\(namespace)/\(name)"])
        } catch {
            logger.warning("cannot keep the PodMonitor in step", metadata: ["podMonitor": "\(namespace)/\(name)", "error": "\(error)"])
        }
    }
}
