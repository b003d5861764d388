import CNPGCore
import Metrics

/// The operator's metrics, named as controller-runtime and client-go name theirs so CNPG's
/// dashboards and alerts keep working, plus per-Cluster health gauges.
enum OperatorMetrics {
    static let controller = "cluster"

    /// swift-metrics carries no help text; the exposition gets these `# HELP` lines.
    static let help: [String: String] = [
        "controller_runtime_reconcile_total": "Total number of reconciliations per controller and result.",
        "controller_runtime_reconcile_errors_total": "Total number of reconciliation errors per controller.",
        "controller_runtime_reconcile_time_seconds": "Length of time per reconciliation per controller.",
        "workqueue_depth": "Current depth of the work queue.",
        "workqueue_adds_total": "Total number of adds handled by the work queue.",
        "workqueue_retries_total": "Total number of retries handled by the work queue.",
        "controller_runtime_webhook_requests_total": "Total number of admission requests by webhook path and HTTP status code.",
        "controller_runtime_webhook_latency_seconds": "Time to answer an admission request, by webhook path.",
        "rest_client_requests_total": "Number of requests to the Kubernetes API server, by status code and method.",
        "cnpg_operator_cluster_ready_instances": "Ready instances of a Cluster, as its last reconciliation saw them.",
        "cnpg_operator_cluster_healthy": "1 when a Cluster's phase is 'Cluster in healthy state', else 0.",
    ]

    static func reconciled(result: String, duration: Duration) {
        Counter(label: "controller_runtime_reconcile_total", dimensions: [("controller", controller), ("result", result)]).increment()
        if result == "error" {
            Counter(label: "controller_runtime_reconcile_errors_total", dimensions: [("controller", controller)]).increment()
        }
        Timer(label: "controller_runtime_reconcile_time_seconds", dimensions: [("controller", controller)]).recordInterval(duration)
    }

    static func queue(depth: Int, name: String) {
        Gauge(label: "workqueue_depth", dimensions: [("name", name)]).record(depth)
    }

    static func queueAdded(name: String) {
        Counter(label: "workqueue_adds_total", dimensions: [("name", name)]).increment()
    }

    static func queueRetried(name: String) {
        Counter(label: "workqueue_retries_total", dimensions: [("name", name)]).increment()
    }

    static func webhookAnswered(path: String, code: Int, duration: Duration) {
        Counter(label: "controller_runtime_webhook_requests_total", dimensions: [("webhook", path), ("code", String(code))]).increment()
        Timer(label: "controller_runtime_webhook_latency_seconds", dimensions: [("webhook", path)]).recordInterval(duration)
    }

    /// `cnpg_operator_cluster_ready_instances` and `cnpg_operator_cluster_healthy` (1 when the phase
    /// is CNPG's healthy one) for one Cluster.
    static func cluster(namespace: String, name: String, readyInstances: Int, healthy: Bool) {
        let dimensions = [("namespace", namespace), ("name", name)]
        Gauge(label: "cnpg_operator_cluster_ready_instances", dimensions: dimensions).record(readyInstances)
        Gauge(label: "cnpg_operator_cluster_healthy", dimensions: dimensions).record(healthy ? 1 : 0)
    }

    /// A deleted Cluster's gauges go away with it.
    static func clusterRemoved(namespace: String, name: String) {
        let dimensions = [("namespace", namespace), ("name", name)]
        Gauge(label: "cnpg_operator_cluster_ready_instances", dimensions: dimensions).destroy()
        Gauge(label: "cnpg_operator_cluster_healthy", dimensions: dimensions).destroy()
    }
}

extension Timer {
    func recordInterval(_ duration: Duration) { recordNanoseconds(duration.nanoseconds) }
}
