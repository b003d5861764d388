import CNPGCore
import NIOSSL
import Synchronization

/// The webhook server's key pair, replaced in place when the certificate is renewed: every TLS
/// handshake takes the current one, so rotation needs no restart.
final class ServingCertificate: Sendable {
    private struct Material: Sendable {
        var chain: [NIOSSLCertificateSource]
        var key: NIOSSLPrivateKeySource
        var certificatePEM: String
    }

    private let material = Mutex<Material?>(nil)

    /// Installs `pair`; returns true when it differs from the one served so far.
    @discardableResult
    func update(_ pair: TLSKeyPair) throws -> Bool {
        let pem = pair.certificatePEM
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)).map(NIOSSLCertificateSource.certificate)
        let key = NIOSSLPrivateKeySource.privateKey(try NIOSSLPrivateKey(bytes: Array(pair.privateKeyPEM.utf8), format: .pem))
        return material.withLock { current in
            if current?.certificatePEM == pem { return false }
            current = Material(chain: chain, key: key, certificatePEM: pem)
            return true
        }
    }

    var isLoaded: Bool { material.withLock { $0 != nil } }

    /// A TLS 1.3 server configuration that asks for the current pair at each handshake.
    func serverConfiguration() throws -> TLSConfiguration {
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

enum ServingCertificateError: Error, CustomStringConvertible {
    case notLoaded
    var description: String { "the webhook serving certificate is not loaded yet" }
}
