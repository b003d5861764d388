import Foundation
import NIOSSL
import Synchronization

/// A TLS server's key pair, replaced in place when the certificate is renewed: every handshake
/// takes the current one, so rotation needs no restart (the operator's webhook server, the
/// instance manager's status and metrics servers).
public final class ServingCertificate: Sendable {
    private struct Material: Sendable {
        var chain: [NIOSSLCertificateSource]
        var key: NIOSSLPrivateKeySource
        var certificatePEM: String
    }

    private let material = Mutex<Material?>(nil)

    public init() {}

    /// Installs `pair`; returns true when it differs from the one served so far.
    @discardableResult
    public func update(_ pair: TLSKeyPair) throws -> Bool {
        try update(certificatePEM: pair.certificatePEM, privateKeyPEM: pair.privateKeyPEM)
    }

    /// Installs the PEM chain and key; returns true when the chain differs from the one served so far.
    @discardableResult
    public func update(certificatePEM pem: String, privateKeyPEM: String) throws -> Bool {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)).map(NIOSSLCertificateSource.certificate)
        let key = NIOSSLPrivateKeySource.privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem))
        return material.withLock { current in
            if current?.certificatePEM == pem { return false }
            current = Material(chain: chain, key: key, certificatePEM: pem)
            return true
        }
    }

    /// Installs the pair in two PEM files (as the instance manager writes them).
    @discardableResult
    public func load(certificateFile: String, keyFile: String) throws -> Bool {
        try update(
            certificatePEM: String(contentsOfFile: certificateFile, encoding: .utf8),
            privateKeyPEM: String(contentsOfFile: keyFile, encoding: .utf8))
    }

    public var isLoaded: Bool { material.withLock { $0 != nil } }

    /// A TLS 1.3 server configuration that asks for the current pair at each handshake.
    public func serverConfiguration() throws -> TLSConfiguration {
        guard let initial = material.withLock({ $0 }) else { throw ServingCertificateError.notLoaded }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: initial.chain, privateKey: initial.key)
        tls.minimumTLSVersion = .tlsv13
        tls.sslContextCallback = { [self] _, promise in
            var override = NIOSSLContextConfigurationOverride()
            if let current = self.material.withLock({ $0 }) {
                override.certificateChain = current.chain
                override.privateKey = current.key
            }
            promise.succeed(override)
        }
        return tls
    }
}

public enum ServingCertificateError: Error, CustomStringConvertible {
    case notLoaded
    public var description: String { "the serving certificate is not loaded yet" }
}
