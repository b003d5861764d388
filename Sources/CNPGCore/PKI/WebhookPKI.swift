import Foundation

/// The operator's admission webhook PKI: CA `cnpg-ca-secret` and serving certificate
/// `cnpg-webhook-cert` for `cnpg-webhook-service.<namespace>.svc`.
public enum WebhookPKI {
    public static let caSecretName = "cnpg-ca-secret"
    public static let certificateSecretName = "cnpg-webhook-cert"
    public static let serviceName = "cnpg-webhook-service"

    public struct Plan: Sendable {
        public var secrets: [CertificateSecretData]
        /// The PEM to put in every webhook's `clientConfig.caBundle`: the webhook CA. CNPG injects
        /// the serving certificate itself, which makes every renewal a race between the new
        /// caBundle and the server switching certificates; with the CA (renewed with the same key)
        /// the old and the new serving certificates both verify, so rotation never blocks an apply.
        public var caBundle: String
        public var serving: TLSKeyPair
        /// When the CA or the serving certificate next falls due for renewal.
        public var nextRenewal: Date
    }

    public static func serviceDNSName(namespace: String) -> String { "\(serviceName).\(namespace).svc" }

    public static func reconcile(
        namespace: String, existingCA: [String: String]?, existingCertificate: [String: String]?,
        policy: CertificatePolicy, now: Date
    ) throws -> Plan {
        var secrets: [CertificateSecretData] = []
        let (ca, caAction) = try CertificateRenewal.reconcileCA(
            existing: existingCA, secret: caSecretName, commonName: caSecretName,
            organizationalUnit: namespace, policy: policy, now: now)
        if caAction.changed {
            secrets.append(
                CertificateSecretData(
                    name: caSecretName, kind: .certificateAuthority,
                    data: [
                        CertificateMaterial.caCertificateKey: ca.keyPair.certificatePEM,
                        CertificateMaterial.caPrivateKeyKey: ca.keyPair.privateKeyPEM,
                    ], action: caAction))
        }
        let dnsName = serviceDNSName(namespace: namespace)
        let (serving, action) = try CertificateRenewal.reconcileLeaf(
            existing: existingCertificate, secret: certificateSecretName, ca: ca,
            commonName: dnsName, dnsNames: [dnsName], usage: .server,
            policy: policy, now: now)
        if action.changed {
            secrets.append(
                CertificateSecretData(
                    name: certificateSecretName, kind: .tls,
                    data: [
                        CertificateMaterial.tlsCertificateKey: serving.certificatePEM,
                        CertificateMaterial.tlsPrivateKeyKey: serving.privateKeyPEM,
                    ], action: action))
        }
        let nextRenewal = min(policy.renewalDate(notAfter: ca.certificate.notValidAfter), policy.renewalDate(notAfter: serving.certificate.notValidAfter))
        return Plan(secrets: secrets, caBundle: ca.keyPair.certificatePEM, serving: serving, nextRenewal: nextRenewal)
    }
}
