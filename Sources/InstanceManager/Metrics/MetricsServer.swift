import CNPGCore
import Hummingbird
import Logging
import ServiceLifecycle

/// The exporter's HTTP endpoint (CNPG: port 9187, `/metrics`), over TLS 1.3 with the cluster's
/// server certificate when `--metrics-port-tls` is given.
enum InstanceMetricsServer {
    static func application(
        address: String, port: Int, certificate: ServingCertificate?,
        exporter: MetricsExporter, logger: Logger
    ) throws -> any ServiceLifecycle.Service {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            InstanceHTTP.response(.ok, contentType: MetricsText.contentType, await exporter.scrape())
        }
        return try InstanceHTTP.application(
            router: router, address: address, port: port, certificate: certificate,
            serverName: "instance-metrics", logger: logger)
    }
}
