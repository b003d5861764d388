import Foundation
import X509

/// The certificate secrets a Cluster uses, with CNPG's default names.
public struct ClusterCertificateNames: Sendable, Equatable {
    public var serverCASecret: String
    public var serverTLSSecret: String
    public var replicationTLSSecret: String
    public var clientCASecret: String
    /// Which of them the user provides (the operator never writes those).
    public var userProvidesServerCA: Bool
    public var userProvidesServerTLS: Bool
    public var userProvidesReplicationTLS: Bool
    public var userProvidesClientCA: Bool

    public init(cluster: Cluster) {
        let name = cluster.metadata.name ?? ""
        let certificates = cluster.spec.certificates
        func given(_ value: String?) -> String? { (value ?? "").isEmpty ? nil : value }
        serverCASecret = given(certificates?.serverCASecret) ?? "\(name)-ca"
        serverTLSSecret = given(certificates?.serverTLSSecret) ?? "\(name)-server"
        replicationTLSSecret = given(certificates?.replicationTLSSecret) ?? "\(name)-replication"
        clientCASecret = given(certificates?.clientCASecret) ?? "\(name)-ca"
        userProvidesServerCA = given(certificates?.serverCASecret) != nil
        userProvidesServerTLS = given(certificates?.serverTLSSecret) != nil
        userProvidesReplicationTLS = given(certificates?.replicationTLSSecret) != nil
        userProvidesClientCA = given(certificates?.clientCASecret) != nil
    }
}

/// One certificate secret the operator must write (create or update).
public struct CertificateSecretData: Sendable, Equatable {
    public enum Kind: String, Sendable { case certificateAuthority, tls }
    public var name: String
    public var kind: Kind
    /// Secret data: key -> PEM text.
    public var data: [String: String]
    public var action: CertificateAction
}

/// The result of reconciling a cluster's PKI: what to write, and the effective material.
public struct ClusterPKIPlan: Sendable {
    public var secrets: [CertificateSecretData] = []
    public var names: ClusterCertificateNames
    public var serverCA: Certificate
    public var clientCA: Certificate
    /// Expiry of every certificate in use, by secret name.
    public var expirations: [String: Date] = [:]
    /// When the first operator-managed certificate becomes due for renewal (nil: none is managed).
    public var nextRenewal: Date?
}

/// The cluster PKI: a CA (`<c>-ca`, shared by server and client roles unless the user splits them),
/// the server certificate (`<c>-server`) and the `streaming_replica` client certificate (`<c>-replication`).
public enum ClusterPKI {
    public static let replicationUser = "streaming_replica"
    public static let poolerUser = "cnpg_pooler_pgbouncer"

    /// DNS names of the server certificate: every enabled default service (rw, r, ro) and every
    /// additional managed service in its four forms, then `serverAltDNSNames`.
    public static func serverDNSNames(for cluster: Cluster, clusterDomain: String = "cluster.local") -> [String] {
        let name = cluster.metadata.name ?? ""
        let namespace = cluster.metadata.namespace ?? "default"
        let disabled = Set(cluster.spec.managed?.services?.disabledDefaultServices ?? [])
        var services = ["rw", "r", "ro"].filter { $0 == "rw" || !disabled.contains($0) }.map { "\(name)-\($0)" }
        services += (cluster.spec.managed?.services?.additional ?? []).compactMap { $0.serviceTemplate.metadata?.name }
        var names = services.flatMap { service in
            [service, "\(service).\(namespace)", "\(service).\(namespace).svc", "\(service).\(namespace).svc.\(clusterDomain)"]
        }
        names += cluster.spec.certificates?.serverAltDNSNames ?? []
        return names
    }

    /// Decides every certificate secret of the cluster from the secrets that exist now.
    /// User-provided secrets are validated and never written.
    /// `poolerIntegration`: a Pooler uses the automated integration, so `<cluster>-pooler` (the
    /// client certificate PgBouncer logs in with as `cnpg_pooler_pgbouncer`) is kept too.
    public static func reconcile(
        cluster: Cluster, existing: [String: [String: String]], policy: CertificatePolicy,
        now: Date, clusterDomain: String = "cluster.local", poolerIntegration: Bool = false
    ) throws -> ClusterPKIPlan {
        let names = ClusterCertificateNames(cluster: cluster)
        let clusterName = cluster.metadata.name ?? ""
        let namespace = cluster.metadata.namespace ?? "default"
        var secrets: [CertificateSecretData] = []
        var authorities: [String: (Certificate, CertificateAuthority?)] = [:]
        var renewals: [Date] = []

        func authority(_ secret: String, userProvided: Bool, needsKey: Bool) throws -> (Certificate, CertificateAuthority?) {
            if let known = authorities[secret], known.1 != nil || !needsKey { return known }
            let result: (Certificate, CertificateAuthority?)
            if userProvided {
                guard let data = existing[secret] else { throw PKIError.secretNotFound(secret: secret) }
                let checked = try CertificateMaterial.certificateAuthority(in: data, secret: secret, requireKey: needsKey, now: now)
                result = (checked.certificate, checked.authority)
            } else {
                let (ca, action) = try CertificateRenewal.reconcileCA(
                    existing: existing[secret], secret: secret, commonName: clusterName,
                    organizationalUnit: namespace, policy: policy, now: now)
                if action.changed, !secrets.contains(where: { $0.name == secret }) {
                    secrets.append(
                        CertificateSecretData(
                            name: secret, kind: .certificateAuthority,
                            data: [
                                CertificateMaterial.caCertificateKey: ca.keyPair.certificatePEM,
                                CertificateMaterial.caPrivateKeyKey: ca.keyPair.privateKeyPEM,
                            ], action: action))
                }
                result = (ca.certificate, ca)
                renewals.append(policy.renewalDate(notAfter: ca.certificate.notValidAfter))
            }
            authorities[secret] = result
            return result
        }

        func leaf(
            _ secret: String, userProvided: Bool, caSecret: String, caUserProvided: Bool, commonName: String,
            dnsNames: [String], usage: CertificateUsage
        ) throws -> Date {
            if userProvided {
                let (caCertificate, _) = try authority(caSecret, userProvided: caUserProvided, needsKey: false)
                guard let data = existing[secret] else { throw PKIError.secretNotFound(secret: secret) }
                let pair = try CertificateMaterial.leaf(in: data, secret: secret, usage: usage, ca: caCertificate, caSecret: caSecret, now: now)
                return pair.certificate.notValidAfter
            }
            let (_, ca) = try authority(caSecret, userProvided: caUserProvided, needsKey: true)
            guard let ca else { throw PKIError.missingKey(secret: caSecret, key: CertificateMaterial.caPrivateKeyKey) }
            let (pair, action) = try CertificateRenewal.reconcileLeaf(
                existing: existing[secret], secret: secret, ca: ca, commonName: commonName,
                dnsNames: dnsNames, usage: usage, policy: policy, now: now)
            if action.changed {
                secrets.append(
                    CertificateSecretData(
                        name: secret, kind: .tls,
                        data: [
                            CertificateMaterial.tlsCertificateKey: pair.certificatePEM,
                            CertificateMaterial.tlsPrivateKeyKey: pair.privateKeyPEM,
                        ], action: action))
            }
            renewals.append(policy.renewalDate(notAfter: pair.certificate.notValidAfter))
            return pair.certificate.notValidAfter
        }

        var expirations: [String: Date] = [:]
        expirations[names.serverTLSSecret] = try leaf(
            names.serverTLSSecret, userProvided: names.userProvidesServerTLS, caSecret: names.serverCASecret,
            caUserProvided: names.userProvidesServerCA, commonName: "\(clusterName)-rw",
            dnsNames: serverDNSNames(for: cluster, clusterDomain: clusterDomain), usage: .server)
        expirations[names.replicationTLSSecret] = try leaf(
            names.replicationTLSSecret, userProvided: names.userProvidesReplicationTLS, caSecret: names.clientCASecret,
            caUserProvided: names.userProvidesClientCA, commonName: replicationUser, dnsNames: [], usage: .client)
        if poolerIntegration {
            let secret = PoolerSecretNames.integrationSecret(cluster: clusterName)
            expirations[secret] = try leaf(
                secret, userProvided: false, caSecret: names.clientCASecret, caUserProvided: names.userProvidesClientCA,
                commonName: poolerUser, dnsNames: [], usage: .client)
        }
        let serverCA = try authority(names.serverCASecret, userProvided: names.userProvidesServerCA, needsKey: false).0
        let clientCA = try authority(names.clientCASecret, userProvided: names.userProvidesClientCA, needsKey: false).0
        expirations[names.serverCASecret] = serverCA.notValidAfter
        expirations[names.clientCASecret] = clientCA.notValidAfter
        return ClusterPKIPlan(
            secrets: secrets, names: names, serverCA: serverCA, clientCA: clientCA, expirations: expirations,
            nextRenewal: renewals.min())
    }

    /// A client certificate for a database user, signed by the cluster's client CA
    /// (what `kubectl cnpg certificate` creates).
    public static func clientCertificate(user: String, clientCA: CertificateAuthority, policy: CertificatePolicy, now: Date) throws -> TLSKeyPair {
        try clientCA.issue(commonName: user, dnsNames: [], usage: .client, policy: policy, now: now)
    }
}
