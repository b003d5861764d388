import CNPGCore
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The admission webhook server (9443, TLS 1.3): CNPG's mutate and validate paths answering
/// AdmissionReview v1, and `/readyz`. It starts once the webhook certificate exists and re-checks
/// the certificate every `certificateCheckPeriod` (sooner when it falls due before then), serving
/// a renewed one without a restart.
struct WebhookServer: ServiceLifecycle.Service {
    let host: String
    let port: Int
    let certificates: WebhookCertificateManager
    let configuration: OperatorConfiguration
    let certificateCheckPeriod: Duration
    let logger: Logger
    static let maximumBodyBytes = 3 * 1024 * 1024

    func run() async throws {
        let serving = ServingCertificate()
        let nextRenewal = RenewalDate()
        try await cancelWhenGracefulShutdown {
            var delay = Duration.milliseconds(250)
            while !serving.isLoaded {
                do {
                    let current = try await certificates.reconcile()
                    try serving.update(current.serving)
                    nextRenewal.set(current.nextRenewal)
                } catch {
                    logger.warning("webhook certificate not ready; retrying", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                    try await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(30))
                }
            }
        }
        let application = Application(
            router: Self.router(configuration: configuration, logger: logger),
            server: try .tls(.http1(), tlsConfiguration: try serving.serverConfiguration()),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "cnpg-webhook"),
            onServerRunning: { channel in
                logger.info("webhook server listening", metadata: ["address": "\(channel.localAddress?.description ?? "")"])
            },
            logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    let untilDue = CertificateRenewal.delay(until: nextRenewal.value, now: Date()) ?? certificateCheckPeriod
                    do { try await Task.sleep(for: min(certificateCheckPeriod, untilDue)) } catch { return }
                    do {
                        let current = try await certificates.reconcile()
                        nextRenewal.set(current.nextRenewal)
                        if try serving.update(current.serving) { logger.info("webhook server now serves the renewed certificate") }
                    } catch {
                        logger.error("webhook certificate check failed", metadata: ["error": "\(error)"])
                    }
                }
            }
            try await application.run()
            group.cancelAll()
        }
    }

    static func router(configuration: OperatorConfiguration, logger: Logger) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("readyz") { _, _ -> Response in text(.ok, "OK") }
        for path in AdmissionWebhook.paths {
            guard let endpoint = AdmissionWebhook.endpoint(forPath: path) else { continue }
            router.post(RouterPath(path)) { request, _ -> Response in
                let started = ContinuousClock.now
                let response = await answer(request, endpoint: endpoint, path: path, configuration: configuration, logger: logger)
                OperatorMetrics.webhookAnswered(path: path, code: Int(response.status.code), duration: ContinuousClock.now - started)
                return response
            }
        }
        return router
    }

    static func answer(
        _ request: Request, endpoint: AdmissionWebhook.Endpoint, path: String, configuration: OperatorConfiguration,
        logger: Logger
    ) async -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBodyBytes)
        } catch {
            return text(.contentTooLarge, "the AdmissionReview is larger than \(maximumBodyBytes) bytes")
        }
        do {
            let review = try JSONText.parse(Array(buffer: body))
            let answer = try AdmissionWebhook.respond(to: review, at: endpoint, configuration: configuration)
            if answer["response"]?["allowed"] == .bool(false) {
                logger.info(
                    "admission denied",
                    metadata: [
                        "path": "\(path)", "name": "\(review["request"]?["name"]?.stringValue ?? "")",
                        "namespace": "\(review["request"]?["namespace"]?.stringValue ?? "")",
                    ])
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: JSONText.serialize(answer))))
        } catch {
            return text(.badRequest, "\(error)")
        }
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// When the served webhook certificate (or its CA) falls due, shared with the re-check loop.
private final class RenewalDate: Sendable {
    private let date = Mutex(Date.distantFuture)
    func set(_ value: Date) { date.withLock { $0 = value } }
    var value: Date { date.withLock { $0 } }
}
