import Foundation

/// Problems with certificate material, each naming the Secret (and key) at fault, never its contents.
public enum PKIError: Error, Equatable, Sendable, CustomStringConvertible {
    case secretNotFound(secret: String)
    case missingKey(secret: String, key: String)
    case malformedCertificate(secret: String, key: String)
    case malformedPrivateKey(secret: String, key: String)
    case keyMismatch(secret: String)
    case notCertificateAuthority(secret: String)
    case expired(secret: String, notAfter: Date)
    case notYetValid(secret: String, notBefore: Date)
    case wrongUsage(secret: String, expected: CertificateUsage)
    case notSignedByCA(secret: String, caSecret: String)

    public var description: String {
        switch self {
        case .secretNotFound(let secret):
            return "secret \(secret) not found"
        case .missingKey(let secret, let key):
            return "secret \(secret) has no \(key) key"
        case .malformedCertificate(let secret, let key):
            return "secret \(secret) key \(key) is not a PEM-encoded X.509 certificate"
        case .malformedPrivateKey(let secret, let key):
            return "secret \(secret) key \(key) is not a PEM-encoded ECDSA P-256 private key"
        case .keyMismatch(let secret):
            return "secret \(secret): the private key does not belong to the certificate"
        case .notCertificateAuthority(let secret):
            return "secret \(secret): the certificate is not a certificate authority (basicConstraints CA:TRUE and keyCertSign required)"
        case .expired(let secret, let notAfter):
            return "secret \(secret): the certificate expired at \(ISO8601DateFormatter().string(from: notAfter))"
        case .notYetValid(let secret, let notBefore):
            return "secret \(secret): the certificate is not valid before \(ISO8601DateFormatter().string(from: notBefore))"
        case .wrongUsage(let secret, let expected):
            return "secret \(secret): the certificate does not allow \(expected == .server ? "serverAuth" : "clientAuth") extended key usage"
        case .notSignedByCA(let secret, let caSecret):
            return "secret \(secret): the certificate is not signed by the CA in secret \(caSecret)"
        }
    }
}
