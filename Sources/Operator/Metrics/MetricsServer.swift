import CNPGCore
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// `/metrics` in the Prometheus text format (plain HTTP, as controller-runtime serves it by default).
struct MetricsServer: ServiceLifecycle.Service {
    let host: String
    let port: Int
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    func run() async throws {
        let router = Router()
        router.get("metrics") { [registry] _, _ -> Response in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            let text = PrometheusExposition.addingHelp(String(decoding: bytes, as: UTF8.self), help: OperatorMetrics.help)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("healthz") { _, _ -> Response in
            Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok")))
        }
        let application = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "cnpg-metrics"),
            onServerRunning: { channel in
                logger.info("metrics server listening", metadata: ["address": "\(channel.localAddress?.description ?? "")"])
            }, logger: logger)
        try await application.run()
    }

    /// `:8080`, `127.0.0.1:8080` or `0` (off), as controller-runtime's `--metrics-bind-address`;
    /// nil when unreadable.
    static func parse(bindAddress: String) -> Binding? {
        if bindAddress == "0" { return .off }
        guard let colon = bindAddress.lastIndex(of: ":"), let port = Int(bindAddress[bindAddress.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        let host = String(bindAddress[..<colon])
        return .address(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    enum Binding: Equatable {
        case off
        case address(host: String, port: Int)
    }
}
