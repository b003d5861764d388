import Crypto
import Foundation
import SwiftASN1
import X509

/// The certificate the operator presents to instance managers: generated in memory at start,
/// self-signed, client-auth only, and pinned by its public key fingerprint.
public enum OperatorClientCertificate {
    /// 9999-12-31T23:59:59Z, CNPG's "never expires".
    public static let notAfter = Date(timeIntervalSince1970: 253_402_300_799)

    public static func generate(commonName: String = "cloudnative-pg-operator", now: Date) throws -> TLSKeyPair {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(commonName) }
        let certificate = try Certificate(
            version: .v3, serialNumber: CertificateAuthority.randomSerial(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: notAfter, issuer: subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        return TLSKeyPair(certificate: certificate, privateKey: key)
    }

    /// Lowercase hex SHA-256 of the certificate's SubjectPublicKeyInfo (`status.operatorCertificateFingerprint`).
    public static func fingerprint(of certificate: Certificate) throws -> String {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate.publicKey)
        return SHA256.hash(data: serializer.serializedBytes).hexString
    }
}
