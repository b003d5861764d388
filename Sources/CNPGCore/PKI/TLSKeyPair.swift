import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate and its ECDSA P-256 private key.
public struct TLSKeyPair: Sendable {
    public var certificate: Certificate
    public var privateKey: P256.Signing.PrivateKey

    public init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    public var certificatePEM: String { (try! certificate.serializeAsPEM()).pemString + "\n" }
    public var privateKeyPEM: String { ECPrivateKeyPEM.encode(privateKey) }
    public var certificateDER: [UInt8] {
        var serializer = DER.Serializer()
        try! serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// Whether the private key belongs to the certificate.
    public var keyMatchesCertificate: Bool {
        certificate.publicKey == Certificate.PublicKey(privateKey.publicKey)
    }

    public var dnsNames: [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            if case .dnsName(let dns) = name { return dns }
            return nil
        }
    }

    public var commonName: String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(describing: attribute.value)
            }
        }
        return nil
    }

    /// Whether `issuer` signed this certificate (subject/issuer names and signature checked).
    public func isSigned(by issuer: Certificate) -> Bool {
        certificate.issuer == issuer.subject && issuer.publicKey.isValidSignature(certificate.signature, for: certificate)
    }
}
