import CNPGCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle

/// The instance's HTTP API on 8000 (CNPG's "remote" server): probes and `/pg/status`. With TLS it
/// serves the cluster's server certificate and accepts TLS 1.3 only.
enum StatusServer {
    static func application(
        address: String, port: Int, certificate: ServingCertificate?,
        collector: StatusCollector, postmaster: Postmaster, backups: OnlineBackupSession,
        archiver: PartialWALArchiver, upgrader: ManagerUpgrader, registeredOperator: @escaping @Sendable () async -> String?,
        apiServerReachable: @escaping @Sendable () async -> Bool, logger: Logger
    ) throws -> any ServiceLifecycle.Service {
        let router = Router(context: InstanceRequestContext.self)
        router.get("healthz") { _, _ -> Response in
            // A fenced instance is alive on purpose: the kubelet must not restart it.
            let alive = await postmaster.isRunning
            let fenced = await postmaster.isFenced
            return alive || fenced ? text(.ok, "OK") : text(.internalServerError, "liveness check failed: postgres is not running")
        }
        router.get("readyz") { _, _ -> Response in
            if await postmaster.isFenced { return text(.internalServerError, "instance is fenced") }
            guard await postmaster.isRunning else { return text(.internalServerError, "instance is not ready yet") }
            return await collector.database.isAccepting()
                ? text(.ok, "OK") : text(.internalServerError, "readiness check failed: postgres does not accept connections")
        }
        router.get("startupz") { _, _ -> Response in
            guard await postmaster.isRunning else { return text(.internalServerError, "startup check failed: postgres is not running") }
            return await collector.database.isAccepting()
                ? text(.ok, "OK") : text(.internalServerError, "startup check failed: postgres does not accept connections")
        }
        // CNPG's peers' isolation check: always 200; the header tells an isolated primary whether
        // this instance reaches the API server (if it does, the primary is the one cut off).
        router.get("failsafe") { _, _ -> Response in
            var response = text(.ok, "OK")
            if let name = HTTPField.Name(IsolationProbe.apiServerHeader) {
                response.headers[name] = await apiServerReachable() ? "true" : "false"
            }
            return response
        }
        router.get("pg/status") { _, _ -> Response in
            do {
                var status = await postmaster.isFenced ? collector.fenced() : try await collector.collect()
                status.mightBeUnavailable = await postmaster.mightBeUnavailable
                status.isInstanceManagerUpgrading = upgrader.isUpgrading
                return json(ObjectCodec.encode(status))
            } catch {
                return text(.internalServerError, "\(error)")
            }
        }
        router.get("pg/controldata") { _, context -> Response in
            if let refusal = await refusal(context, registeredOperator) { return refusal }
            switch await postmaster.controldata() {
            case .success(let output): return json(.object([("data", .string(output))]))
            case .failure(let failure): return text(.internalServerError, failure.description)
            }
        }
        router.get("pg/mode/backup") { _, context -> Response in
            if let refusal = await refusal(context, registeredOperator) { return refusal }
            return backupAnswer(await backups.status())
        }
        router.post("pg/mode/backup") { request, context -> Response in
            if let refusal = await refusal(context, registeredOperator) { return refusal }
            guard let start = await decode(OnlineBackup.StartRequest.self, request), OnlineBackup.isAcceptableName(start.backupName) else {
                return unparsable()
            }
            return backupAnswer(await backups.start(start))
        }
        router.put("pg/mode/backup") { request, context -> Response in
            if let refusal = await refusal(context, registeredOperator) { return refusal }
            guard let stop = await decode(OnlineBackup.StopRequest.self, request) else { return unparsable() }
            return backupAnswer(await backups.stop(stop))
        }
        // Any method, as CNPG's handler.
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("pg/archive/partial", method: method) { _, context -> Response in
                if let refusal = await refusal(context, registeredOperator) { return refusal }
                switch await archiver.archive() {
                case .success(let walFile):
                    return json(.object([("data", .string(walFile))]))
                case .failure(let refusal):
                    let error = JSONValue.object([("code", .string(refusal.code.rawValue)), ("message", .string(refusal.message))])
                    return InstanceHTTP.response(.badRequest, contentType: "application/json", JSONText.serialize(.object([("error", error)])))
                }
            }
        }
        router.put("update") { request, context -> Response in
            if let refusal = await refusal(context, registeredOperator) { return refusal }
            let answer = await upgrader.upgrade(request.body)
            return text(answer.status, answer.message)
        }
        for method in [HTTPRequest.Method.get, .post, .patch, .delete] {
            router.on("update", method: method) { _, _ -> Response in text(.methodNotAllowed, "wrong method used") }
        }
        // CNPG requests (never requires) a client certificate; whose it is, the handlers decide.
        return try InstanceHTTP.application(
            router: router, address: address, port: port, certificate: certificate,
            serverName: "instance-manager", requestClientCertificates: true, logger: logger)
    }

    /// The answer for a caller that is not the operator, nil for the operator.
    static func refusal(_ context: InstanceRequestContext, _ registeredOperator: @Sendable () async -> String?) async -> Response? {
        guard
            case .refused(let status, let message) = OperatorAuthentication.check(
                presented: await context.clientCertificateFingerprint(),
                registered: await registeredOperator())
        else { return nil }
        return text(status, message)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async -> T? {
        guard let body = try? await request.body.collect(upTo: 64 * 1024) else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(buffer: body))
    }

    static func unparsable() -> Response {
        backupAnswer(
            .init(status: 400, envelope: .init(data: nil, error: .init(code: .failedToParseRequest, message: "the request body is not a valid backup request")))
        )
    }

    static func backupAnswer(_ answer: OnlineBackupSession.Answer) -> Response {
        let body = (try? JSONEncoder().encode(answer.envelope)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return InstanceHTTP.response(HTTPResponse.Status(code: answer.status), contentType: "application/json", body)
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        InstanceHTTP.response(status, contentType: "text/plain; charset=utf-8", body)
    }

    static func json(_ value: JSONValue) -> Response {
        InstanceHTTP.response(.ok, contentType: "application/json", JSONText.serialize(value))
    }
}

/// The instance manager's HTTP servers (status 8000, metrics 9187): plain, or TLS 1.3 only with
/// the cluster's server certificate.
enum InstanceHTTP {
    static func application<Context: RequestContext>(
        router: Router<Context>, address: String, port: Int,
        certificate: ServingCertificate?, serverName: String,
        requestClientCertificates: Bool = false,
        logger: Logger
    ) throws -> any ServiceLifecycle.Service
    where Context.Source == ApplicationRequestContextSource {
        let configuration = ApplicationConfiguration(address: .hostname(address, port: port), serverName: serverName)
        if let certificate {
            // TLS 1.3 only; each handshake serves the certificate loaded last (rotation without a restart).
            var tls = try certificate.serverConfiguration()
            guard requestClientCertificates else {
                return Application(router: router, server: try .tls(.http1(), tlsConfiguration: tls), configuration: configuration, logger: logger)
            }
            // Any presented certificate completes the handshake (the operator's is self-signed and
            // pinned by fingerprint, not issued by a CA the instance could trust).
            tls.certificateVerification = .optionalVerification
            let channel = TLSChannelConfiguration(tlsConfiguration: tls, customAsyncVerificationCallback: { _ in .certificateVerified })
            return Application(router: router, server: try .tls(.http1(), configuration: channel), configuration: configuration, logger: logger)
        }
        return Application(router: router, server: .http1(), configuration: configuration, logger: logger)
    }

    static func response(_ status: HTTPResponse.Status, contentType: String, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
