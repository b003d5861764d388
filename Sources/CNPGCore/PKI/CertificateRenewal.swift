import Crypto
import Foundation
import X509

/// What reconciling one certificate secret decided.
public enum CertificateAction: Equatable, Sendable {
    case unchanged
    case created
    case renewed(reason: String)

    public var changed: Bool { self != .unchanged }
}

/// Pure decisions about operator-owned certificates: given the current secret data and "now",
/// keep, create or renew. Renewal keeps the private key and re-signs, as CNPG does.
public enum CertificateRenewal {
    public static func reconcileCA(
        existing: [String: String]?, secret: String, commonName: String, organizationalUnit: String?,
        policy: CertificatePolicy, now: Date
    ) throws -> (CertificateAuthority, CertificateAction) {
        guard let existing else {
            return (try CertificateAuthority.generate(commonName: commonName, organizationalUnit: organizationalUnit, policy: policy, now: now), .created)
        }
        let certificate = try CertificateMaterial.certificate(in: existing, key: CertificateMaterial.caCertificateKey, secret: secret)
        let key = try CertificateMaterial.privateKey(in: existing, key: CertificateMaterial.caPrivateKeyKey, secret: secret)
        let authority = CertificateAuthority(keyPair: TLSKeyPair(certificate: certificate, privateKey: key))
        guard authority.keyPair.keyMatchesCertificate else { throw PKIError.keyMismatch(secret: secret) }
        if policy.isExpiring(notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter, now: now) {
            return (try authority.renewed(policy: policy, now: now), .renewed(reason: "the CA certificate expires soon"))
        }
        return (authority, .unchanged)
    }

    public static func reconcileLeaf(
        existing: [String: String]?, secret: String, ca: CertificateAuthority, commonName: String,
        dnsNames: [String], usage: CertificateUsage, policy: CertificatePolicy,
        now: Date
    ) throws -> (TLSKeyPair, CertificateAction) {
        guard let existing else {
            return (try ca.issue(commonName: commonName, dnsNames: dnsNames, usage: usage, policy: policy, now: now), .created)
        }
        let certificate = try CertificateMaterial.certificate(in: existing, key: CertificateMaterial.tlsCertificateKey, secret: secret)
        let key = try CertificateMaterial.privateKey(in: existing, key: CertificateMaterial.tlsPrivateKeyKey, secret: secret)
        let pair = TLSKeyPair(certificate: certificate, privateKey: key)
        guard pair.keyMatchesCertificate else { throw PKIError.keyMismatch(secret: secret) }
        let reason: String?
        if policy.isExpiring(notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter, now: now) {
            reason = "the certificate expires soon"
        } else if !pair.isSigned(by: ca.certificate) {
            reason = "the certificate is not signed by the current CA"
        } else if Set(pair.dnsNames) != Set(expectedDNSNames(commonName: commonName, dnsNames: dnsNames, usage: usage)) {
            reason = "the DNS names changed"
        } else {
            reason = nil
        }
        guard let reason else { return (pair, .unchanged) }
        let renewed = try ca.issue(commonName: commonName, dnsNames: dnsNames, usage: usage, policy: policy, now: now, reusing: key)
        return (renewed, .renewed(reason: reason))
    }

    /// How long until `renewal` (at least a second, so a due certificate does not spin the caller).
    public static func delay(until renewal: Date?, now: Date) -> Duration? {
        guard let renewal else { return nil }
        return .milliseconds(Int64(max(1, renewal.timeIntervalSince(now)) * 1000))
    }

    static func expectedDNSNames(commonName: String, dnsNames: [String], usage: CertificateUsage) -> [String] {
        var names = dnsNames
        if usage == .server {
            names += commonName.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && IPAddress.bytes(of: $0) == nil }
        }
        return names
    }
}
