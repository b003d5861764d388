import Crypto
import Foundation
import X509

/// Reads and checks certificate material from Secret data (key -> PEM text).
public enum CertificateMaterial {
    public static let caCertificateKey = "ca.crt"
    public static let caPrivateKeyKey = "ca.key"
    public static let tlsCertificateKey = "tls.crt"
    public static let tlsPrivateKeyKey = "tls.key"

    public static func certificate(in data: [String: String], key: String, secret: String) throws(PKIError) -> Certificate {
        guard let pem = data[key], !pem.isEmpty else { throw .missingKey(secret: secret, key: key) }
        do {
            return try Certificate(pemEncoded: pem)
        } catch {
            throw .malformedCertificate(secret: secret, key: key)
        }
    }

    public static func privateKey(in data: [String: String], key: String, secret: String) throws(PKIError) -> P256.Signing.PrivateKey {
        guard let pem = data[key], !pem.isEmpty else { throw .missingKey(secret: secret, key: key) }
        do {
            return try ECPrivateKeyPEM.decode(pem)
        } catch {
            throw .malformedPrivateKey(secret: secret, key: key)
        }
    }

    /// A CA secret (`ca.crt`, and `ca.key` when the operator must sign with it).
    public static func certificateAuthority(in data: [String: String], secret: String, requireKey: Bool, now: Date) throws(PKIError) -> (
        certificate: Certificate, authority: CertificateAuthority?
    ) {
        let certificate = try certificate(in: data, key: caCertificateKey, secret: secret)
        let constraints = try? certificate.extensions.basicConstraints
        let usage = try? certificate.extensions.keyUsage
        guard case .isCertificateAuthority? = constraints, usage?.keyCertSign ?? true else {
            throw .notCertificateAuthority(secret: secret)
        }
        try checkValidity(certificate, secret: secret, now: now)
        guard requireKey || data[caPrivateKeyKey] != nil else { return (certificate, nil) }
        let key = try privateKey(in: data, key: caPrivateKeyKey, secret: secret)
        let pair = TLSKeyPair(certificate: certificate, privateKey: key)
        guard pair.keyMatchesCertificate else { throw .keyMismatch(secret: secret) }
        return (certificate, CertificateAuthority(keyPair: pair))
    }

    /// A `kubernetes.io/tls` secret whose certificate must chain to `ca` with the given usage.
    public static func leaf(in data: [String: String], secret: String, usage: CertificateUsage, ca: Certificate, caSecret: String, now: Date) throws(PKIError)
        -> TLSKeyPair
    {
        let certificate = try certificate(in: data, key: tlsCertificateKey, secret: secret)
        let key = try privateKey(in: data, key: tlsPrivateKeyKey, secret: secret)
        let pair = TLSKeyPair(certificate: certificate, privateKey: key)
        guard pair.keyMatchesCertificate else { throw .keyMismatch(secret: secret) }
        try checkValidity(certificate, secret: secret, now: now)
        if let usages = try? certificate.extensions.extendedKeyUsage, !usages.contains(usage.extendedKeyUsage), !usages.contains(.any) {
            throw .wrongUsage(secret: secret, expected: usage)
        }
        guard pair.isSigned(by: ca) else { throw .notSignedByCA(secret: secret, caSecret: caSecret) }
        return pair
    }

    static func checkValidity(_ certificate: Certificate, secret: String, now: Date) throws(PKIError) {
        if now > certificate.notValidAfter { throw .expired(secret: secret, notAfter: certificate.notValidAfter) }
        if now < certificate.notValidBefore { throw .notYetValid(secret: secret, notBefore: certificate.notValidBefore) }
    }
}
