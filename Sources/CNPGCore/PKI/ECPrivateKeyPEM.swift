import Crypto
import SwiftASN1

/// ECDSA P-256 private keys as CNPG stores them: SEC1 `EC PRIVATE KEY` PEM (RFC 5915).
public enum ECPrivateKeyPEM {
    private static let prime256v1: ASN1ObjectIdentifier = [1, 2, 840, 10045, 3, 1, 7]

    public static func encode(_ key: P256.Signing.PrivateKey) -> String {
        var serializer = DER.Serializer()
        // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters, [1] publicKey }
        try! serializer.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)
            try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(key.rawRepresentation)))
            try coder.serialize(prime256v1, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            try coder.serialize(
                ASN1BitString(bytes: ArraySlice(key.publicKey.x963Representation)),
                explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific)
        }
        return PEMDocument(type: "EC PRIVATE KEY", derBytes: serializer.serializedBytes).pemString + "\n"
    }

    /// Reads a P-256 key from SEC1 (`EC PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`) PEM.
    public static func decode(_ pem: String) throws -> P256.Signing.PrivateKey {
        try P256.Signing.PrivateKey(pemRepresentation: pem)
    }
}
