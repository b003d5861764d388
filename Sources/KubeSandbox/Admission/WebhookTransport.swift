import CNPGCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SwiftASN1
import X509

/// Where a webhook is reached: an address, the name its certificate must carry, the trust anchors
/// from its `caBundle`.
struct WebhookTarget: Sendable {
    var host: String
    var port: Int
    var serverName: String
    var path: String
    var trustAnchors: [Certificate]
    /// The URL kube-apiserver would name in errors: `https://svc.ns.svc:443/path?timeout=10s`.
    var displayURL: String
}

/// One HTTPS POST to an admission webhook. Verification is Go's, not OpenSSL's: any certificate in
/// the caBundle is a trust anchor (CNPG puts the serving certificate itself there) and the name
/// must match `serverName`.
enum WebhookTransport {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func post(_ target: WebhookTarget, body: [UInt8], timeout: Duration) async throws -> (status: Int, body: [UInt8]) {
        do {
            return try await exchange(target, body: body, timeout: timeout)
        } catch NIOSSLError.handshakeFailed {
            throw Failure(
                description: "tls: failed to verify certificate: x509: certificate signed by unknown authority "
                    + "(not trusted by the caBundle, or not valid for \(target.serverName))")
        }
    }

    private static func exchange(_ target: WebhookTarget, body: [UInt8], timeout: Duration) async throws -> (status: Int, body: [UInt8]) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        let context = try NIOSSLContext(configuration: tls)
        let anchors = target.trustAnchors
        let serverName = target.serverName
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(timeout.nanoseconds))
            .connect(host: target.host, port: target.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tlsHandler = try NIOSSLClientHandler(context: context, serverHostname: serverName) { certificates, promise in
                        let chain = certificates.compactMap { try? Certificate(derEncoded: $0.toDERBytes()) }
                        promise.completeWithTask { await verify(chain, anchors: anchors, serverName: serverName) }
                    }
                    try channel.pipeline.syncOperations.addHandler(tlsHandler)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await withThrowingTaskGroup(of: (status: Int, body: [UInt8])?.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.path)
                    head.headers.add(name: "Host", value: "\(serverName):\(target.port)")
                    head.headers.add(name: "Content-Type", value: "application/json")
                    head.headers.add(name: "Accept", value: "application/json, */*")
                    head.headers.add(name: "Content-Length", value: "\(body.count)")
                    try await outbound.write(.head(head))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                    try await outbound.write(.end(nil))
                    var status = 0
                    var collected: [UInt8] = []
                    for try await part in inbound {
                        switch part {
                        case .head(let response): status = Int(response.status.code)
                        case .body(let buffer):
                            collected += buffer.readableBytesView
                            guard collected.count <= SandboxAPI.maxBodyBytes else { throw Failure(description: "response body too large") }
                        case .end: return (status, collected)
                        }
                    }
                    throw Failure(description: "EOF")
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                channel.channel.close(promise: nil)
                throw Failure(description: "context deadline exceeded")
            }
            return result
        }
    }

    /// Go's rules: a certificate found in the caBundle is trusted as it is, even a leaf (RFC 5280
    /// would want a CA there); otherwise the chain must lead to a bundle certificate. Either way
    /// the certificate must be valid now and name `serverName`.
    static func verify(_ chain: [Certificate], anchors: [Certificate], serverName: String) async -> NIOSSLVerificationResult {
        guard let leaf = chain.first, !anchors.isEmpty else { return .failed }
        let result: CertificateValidationResult
        if anchors.contains(leaf) {
            var pinned = Verifier(rootCertificates: CertificateStore([leaf])) {
                PinnedLeafPolicy(now: Date())
                ServerIdentityPolicy(serverHostname: serverName, serverIP: nil)
            }
            result = await pinned.validate(leaf: leaf, intermediates: CertificateStore())
        } else {
            var verifier = Verifier(rootCertificates: CertificateStore(anchors)) {
                RFC5280Policy()
                ServerIdentityPolicy(serverHostname: serverName, serverIP: nil)
            }
            result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(Array(chain.dropFirst())))
        }
        if case .validCertificate = result { return .certificateVerified }
        return .failed
    }

    /// The certificates of a base64 `caBundle` (PEM inside).
    static func trustAnchors(caBundle: String?) -> [Certificate] {
        guard let caBundle, let data = Data(base64Encoded: caBundle), let pem = String(data: data, encoding: .utf8) else { return [] }
        return PEMBundle.certificates(pem)
    }
}

/// For a leaf trusted as it is: inside its validity period; its basic constraints and key usage
/// are understood (the chain of one has no issuer to check them against).
struct PinnedLeafPolicy: VerifierPolicy {
    let now: Date
    var verifyingCriticalExtensions: [ASN1ObjectIdentifier] { [.X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage] }

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        guard let leaf = chain.first, leaf.notValidBefore <= now, now <= leaf.notValidAfter else {
            return .failsToMeetPolicy(reason: "the certificate is not valid at \(now)")
        }
        return .meetsPolicy
    }
}
