import CNPGCore
import CNPGTestSupport
import Crypto
import Foundation
import Testing
import X509

private let now = Date(timeIntervalSince1970: 1_795_000_000)
private let policy = CertificatePolicy()

private func sampleCluster(name: String = "cluster-example", namespace: String = "prod", altNames: [String]? = nil) -> Cluster {
    var cluster = Cluster(name: name, namespace: namespace)
    if let altNames {
        var certificates = CertificatesConfiguration()
        certificates.serverAltDNSNames = altNames
        cluster.spec.certificates = certificates
    }
    return cluster
}

@Suite struct PKIGenerationTests {
    @Test func caIsAnECDSAP256CertificateAuthority() throws {
        let ca = try CertificateAuthority.generate(commonName: "cluster-example", organizationalUnit: "prod", policy: policy, now: now)
        let dir = try TemporaryDirectory()
        let path = try dir.write("ca.crt", ca.keyPair.certificatePEM)
        let text = try OpenSSL.run(["x509", "-in", path, "-noout", "-text"]).output
        #expect(text.contains("CA:TRUE"))
        #expect(text.contains("Certificate Sign"))
        #expect(text.contains("id-ecPublicKey"))
        #expect(text.contains("prime256v1"))
        #expect(text.contains("ecdsa-with-SHA256"))
        let subject = try OpenSSL.run(["x509", "-in", path, "-noout", "-subject", "-nameopt", "RFC2253"]).output
        #expect(subject.contains("CN=cluster-example,OU=prod"))
        #expect(ca.certificate.notValidBefore == now.addingTimeInterval(-300))
        #expect(ca.certificate.notValidAfter == now.addingTimeInterval(90 * 86_400))
    }

    @Test func clusterCertificatesVerifyWithOpenSSLAndCarryTheRightNames() throws {
        let plan = try ClusterPKI.reconcile(cluster: sampleCluster(altNames: ["db.example.com"]), existing: [:], policy: policy, now: now)
        #expect(plan.secrets.map(\.name) == ["cluster-example-ca", "cluster-example-server", "cluster-example-replication"])
        let dir = try TemporaryDirectory()
        let secrets = Dictionary(uniqueKeysWithValues: plan.secrets.map { ($0.name, $0.data) })
        let caPath = try dir.write("ca.crt", try #require(secrets["cluster-example-ca"]?["ca.crt"]))
        let serverPath = try dir.write("server.crt", try #require(secrets["cluster-example-server"]?["tls.crt"]))
        let replicationPath = try dir.write("replication.crt", try #require(secrets["cluster-example-replication"]?["tls.crt"]))

        for (path, purpose) in [(serverPath, "sslserver"), (replicationPath, "sslclient")] {
            let verify = try OpenSSL.run(["verify", "-attime", String(Int(now.timeIntervalSince1970)), "-purpose", purpose, "-CAfile", caPath, path])
            #expect(verify.status == 0, "\(verify.output)\(verify.error)")
        }
        let wrongPurpose = try OpenSSL.run([
            "verify", "-attime", String(Int(now.timeIntervalSince1970)), "-purpose", "sslserver", "-CAfile", caPath, replicationPath,
        ])
        #expect(wrongPurpose.status != 0)

        let server = try OpenSSL.run(["x509", "-in", serverPath, "-noout", "-text"]).output
        #expect(server.contains("Subject: CN = cluster-example-rw"))
        #expect(server.contains("TLS Web Server Authentication"))
        #expect(server.contains("Digital Signature, Key Encipherment, Key Agreement"))
        #expect(server.contains("CA:FALSE"))
        for name in [
            "cluster-example-rw", "cluster-example-rw.prod", "cluster-example-rw.prod.svc", "cluster-example-rw.prod.svc.cluster.local",
            "cluster-example-r.prod.svc", "cluster-example-ro.prod.svc.cluster.local", "db.example.com",
        ] {
            #expect(server.contains("DNS:\(name),") || server.contains("DNS:\(name)\n"), "missing SAN \(name)")
        }
        let replication = try OpenSSL.run(["x509", "-in", replicationPath, "-noout", "-text"]).output
        #expect(replication.contains("Subject: CN = streaming_replica"))
        #expect(replication.contains("TLS Web Client Authentication"))
        #expect(!replication.contains("Subject Alternative Name"))
    }

    @Test func serverNamesFollowTheServicesThatExist() throws {
        var cluster = sampleCluster()
        var managed = ManagedConfiguration()
        var services = ManagedServices()
        services.disabledDefaultServices = ["ro"]
        services.additional = [
            try ObjectCodec.decode(
                ManagedService.self,
                from: try JSONText.parse(
                    #"{"selectorType":"rw","serviceTemplate":{"metadata":{"name":"lb"}}}"#))
        ]
        managed.services = services
        cluster.spec.managed = managed
        let names = ClusterPKI.serverDNSNames(for: cluster, clusterDomain: "example.internal")
        #expect(names.first == "cluster-example-rw")
        #expect(names.contains("cluster-example-r.prod.svc.example.internal"))
        #expect(!names.contains { $0.hasPrefix("cluster-example-ro") })
        #expect(names.suffix(4) == ["lb", "lb.prod", "lb.prod.svc", "lb.prod.svc.example.internal"])
    }

    @Test func keysAreSEC1PEMThatOpenSSLAcceptsAndThatMatchTheCertificate() throws {
        let ca = try CertificateAuthority.generate(commonName: "c", organizationalUnit: nil, policy: policy, now: now)
        let leaf = try ca.issue(commonName: "streaming_replica", dnsNames: [], usage: .client, policy: policy, now: now)
        #expect(leaf.privateKeyPEM.hasPrefix("-----BEGIN EC PRIVATE KEY-----"))
        let dir = try TemporaryDirectory()
        let keyPath = try dir.write("tls.key", leaf.privateKeyPEM)
        let certPath = try dir.write("tls.crt", leaf.certificatePEM)
        #expect(try OpenSSL.run(["ec", "-in", keyPath, "-check", "-noout"]).status == 0)
        let fromKey = try OpenSSL.run(["ec", "-in", keyPath, "-pubout"]).output
        let fromCertificate = try OpenSSL.run(["x509", "-in", certPath, "-pubkey", "-noout"]).output
        #expect(fromKey == fromCertificate)
        #expect(leaf.keyMatchesCertificate)
        // PEM and DER round trips.
        let decodedKey = try ECPrivateKeyPEM.decode(leaf.privateKeyPEM)
        #expect(decodedKey.rawRepresentation == leaf.privateKey.rawRepresentation)
        #expect(try Certificate(pemEncoded: leaf.certificatePEM) == leaf.certificate)
        #expect(try Certificate(derEncoded: leaf.certificateDER) == leaf.certificate)
        let der = try OpenSSL.run(["x509", "-in", certPath, "-outform", "DER", "-noout", "-fingerprint", "-sha256"]).output
        let ours = SHA256.hash(data: leaf.certificateDER).map { String(format: "%02X", $0) }.joined(separator: ":")
        #expect(der.contains(ours))
    }

    @Test func serialsArePositiveAndUnique() throws {
        let ca = try CertificateAuthority.generate(commonName: "c", organizationalUnit: nil, policy: policy, now: now)
        var serials: Set<[UInt8]> = []
        for _ in 0..<200 {
            let leaf = try ca.issue(commonName: "u", dnsNames: [], usage: .client, policy: policy, now: now)
            let bytes = Array(leaf.certificate.serialNumber.bytes)
            #expect(bytes.count <= 16)
            #expect(bytes[0] & 0x80 == 0)
            serials.insert(bytes)
        }
        #expect(serials.count == 200)
    }

    @Test func serverCommonNameIPsBecomeIPSANs() throws {
        let ca = try CertificateAuthority.generate(commonName: "c", organizationalUnit: nil, policy: policy, now: now)
        let leaf = try ca.issue(commonName: "db,127.0.0.5", dnsNames: ["db.ns"], usage: .server, policy: policy, now: now)
        let dir = try TemporaryDirectory()
        let text = try OpenSSL.run(["x509", "-in", try dir.write("s.crt", leaf.certificatePEM), "-noout", "-ext", "subjectAltName"]).output
        #expect(text.contains("DNS:db, DNS:db.ns, IP Address:127.0.0.5"))
    }

    @Test func userClientCertificatesAreSignedByTheClientCA() throws {
        let plan = try ClusterPKI.reconcile(cluster: sampleCluster(), existing: [:], policy: policy, now: now)
        let caData = try #require(plan.secrets.first { $0.name == "cluster-example-ca" }).data
        let ca = try #require(try CertificateMaterial.certificateAuthority(in: caData, secret: "cluster-example-ca", requireKey: true, now: now).authority)
        let client = try ClusterPKI.clientCertificate(user: "app", clientCA: ca, policy: policy, now: now)
        #expect(client.commonName == "app")
        #expect(client.isSigned(by: plan.clientCA))
    }

    @Test func webhookPKIServesTheServiceName() throws {
        let plan = try WebhookPKI.reconcile(namespace: "cnpg-system", existingCA: nil, existingCertificate: nil, policy: policy, now: now)
        #expect(plan.secrets.map(\.name) == ["cnpg-ca-secret", "cnpg-webhook-cert"])
        #expect(plan.serving.dnsNames == ["cnpg-webhook-service.cnpg-system.svc"])
        #expect(plan.serving.commonName == "cnpg-webhook-service.cnpg-system.svc")
        #expect(plan.caBundle == plan.secrets[0].data["ca.crt"])
        let dir = try TemporaryDirectory()
        let ca = try dir.write("ca.crt", plan.caBundle)
        let leaf = try dir.write("tls.crt", plan.serving.certificatePEM)
        let verify = try OpenSSL.run(["verify", "-attime", String(Int(now.timeIntervalSince1970)), "-purpose", "sslserver", "-CAfile", ca, leaf])
        #expect(verify.status == 0, "\(verify.error)")
        let again = try WebhookPKI.reconcile(
            namespace: "cnpg-system", existingCA: plan.secrets[0].data, existingCertificate: plan.secrets[1].data,
            policy: policy, now: now.addingTimeInterval(86_400))
        #expect(again.secrets.isEmpty)
        #expect(again.caBundle == plan.caBundle)
    }

    @Test func operatorClientCertificateFingerprintMatchesOpenSSL() throws {
        let pair = try OperatorClientCertificate.generate(commonName: "cnpg-controller-manager-abc", now: now)
        #expect(pair.certificate.notValidAfter == OperatorClientCertificate.notAfter)
        let dir = try TemporaryDirectory()
        let path = try dir.write("op.crt", pair.certificatePEM)
        let publicKeyPEM = try OpenSSL.run(["x509", "-in", path, "-pubkey", "-noout"]).output
        let keyPath = try dir.write("op.pub", publicKeyPEM)
        // DER does not survive a text pipe, so openssl computes the digest itself.
        let viaShell = try ExternalTool.run(
            URL(fileURLWithPath: "/bin/sh"), ["-c", "openssl pkey -pubin -in '\(keyPath)' -outform DER | openssl dgst -sha256 -r"])
        #expect(viaShell.output.hasPrefix(try OperatorClientCertificate.fingerprint(of: pair.certificate)))
    }
}

@Suite struct PKIRotationTests {
    @Test func nothingChangesOutsideTheThreshold() throws {
        let cluster = sampleCluster()
        let first = try ClusterPKI.reconcile(cluster: cluster, existing: [:], policy: policy, now: now)
        let existing = Dictionary(uniqueKeysWithValues: first.secrets.map { ($0.name, $0.data) })
        let later = now.addingTimeInterval(82 * 86_400)
        let second = try ClusterPKI.reconcile(cluster: cluster, existing: existing, policy: policy, now: later)
        #expect(second.secrets.isEmpty)
    }

    @Test func leavesAreRenewedInsideTheThresholdAndTheCAIsKept() throws {
        let cluster = sampleCluster()
        let first = try ClusterPKI.reconcile(cluster: cluster, existing: [:], policy: policy, now: now)
        var existing = Dictionary(uniqueKeysWithValues: first.secrets.map { ($0.name, $0.data) })
        // The CA was made with a longer validity than the leaves: only the leaves are due.
        let longCA = try CertificateAuthority.generate(
            commonName: "cluster-example", organizationalUnit: "prod",
            policy: CertificatePolicy(validityDays: 3650), now: now)
        existing["cluster-example-ca"] = ["ca.crt": longCA.keyPair.certificatePEM, "ca.key": longCA.keyPair.privateKeyPEM]
        let resigned = try ClusterPKI.reconcile(cluster: cluster, existing: existing, policy: policy, now: now)
        #expect(
            resigned.secrets.map(\.action) == [
                .renewed(reason: "the certificate is not signed by the current CA"),
                .renewed(reason: "the certificate is not signed by the current CA"),
            ])
        for secret in resigned.secrets { existing[secret.name] = secret.data }

        let inThreshold = now.addingTimeInterval(84 * 86_400)
        let renewed = try ClusterPKI.reconcile(cluster: cluster, existing: existing, policy: policy, now: inThreshold)
        #expect(renewed.secrets.map(\.name) == ["cluster-example-server", "cluster-example-replication"])
        #expect(renewed.secrets.allSatisfy { $0.action == .renewed(reason: "the certificate expires soon") })
        let server = try #require(renewed.secrets.first)
        let oldKey = try #require(existing["cluster-example-server"]?["tls.key"])
        #expect(server.data["tls.key"] == oldKey, "renewal keeps the private key")
        let pair = try CertificateMaterial.leaf(in: server.data, secret: "s", usage: .server, ca: longCA.certificate, caSecret: "ca", now: inThreshold)
        #expect(pair.certificate.notValidAfter > inThreshold.addingTimeInterval(80 * 86_400))
        let dir = try TemporaryDirectory()
        let verify = try OpenSSL.run([
            "verify", "-attime", String(Int(inThreshold.timeIntervalSince1970)), "-CAfile",
            try dir.write("ca.crt", longCA.keyPair.certificatePEM), try dir.write("s.crt", pair.certificatePEM),
        ])
        #expect(verify.status == 0, "\(verify.error)")
    }

    @Test func anExpiringCAIsResignedWithItsKeySoOldLeavesStillVerify() throws {
        let cluster = sampleCluster()
        let first = try ClusterPKI.reconcile(cluster: cluster, existing: [:], policy: policy, now: now)
        let existing = Dictionary(uniqueKeysWithValues: first.secrets.map { ($0.name, $0.data) })
        let dueDate = now.addingTimeInterval(85 * 86_400)
        let plan = try ClusterPKI.reconcile(cluster: cluster, existing: existing, policy: policy, now: dueDate)
        let ca = try #require(plan.secrets.first { $0.name == "cluster-example-ca" })
        #expect(ca.action == .renewed(reason: "the CA certificate expires soon"))
        #expect(ca.data["ca.key"] == existing["cluster-example-ca"]?["ca.key"])
        let oldServer = try CertificateMaterial.certificate(in: try #require(existing["cluster-example-server"]), key: "tls.crt", secret: "s")
        let newCA = try CertificateMaterial.certificate(in: ca.data, key: "ca.crt", secret: "ca")
        #expect(newCA.publicKey.isValidSignature(oldServer.signature, for: oldServer))
        #expect(newCA.notValidAfter > dueDate.addingTimeInterval(80 * 86_400))
    }

    /// A validity of seconds (the end-to-end rotation test's setting) gives certificates valid now
    /// that fall due at validity minus threshold, and the plan says when the first one will.
    @Test func aShortValidityRenewsEverythingOnSchedule() throws {
        let short = CertificatePolicy(validity: 120, renewalThreshold: 90)
        let cluster = sampleCluster()
        let first = try ClusterPKI.reconcile(cluster: cluster, existing: [:], policy: short, now: now)
        #expect(first.nextRenewal == now.addingTimeInterval(30))
        #expect(first.expirations.values.allSatisfy { $0 == now.addingTimeInterval(120) })
        let existing = Dictionary(uniqueKeysWithValues: first.secrets.map { ($0.name, $0.data) })
        #expect(try ClusterPKI.reconcile(cluster: cluster, existing: existing, policy: short, now: now.addingTimeInterval(29)).secrets.isEmpty)
        let due = now.addingTimeInterval(30)
        let renewed = try ClusterPKI.reconcile(cluster: cluster, existing: existing, policy: short, now: due)
        #expect(Set(renewed.secrets.map(\.name)) == ["cluster-example-ca", "cluster-example-server", "cluster-example-replication"])
        #expect(renewed.nextRenewal == due.addingTimeInterval(30))
        #expect(CertificateRenewal.delay(until: renewed.nextRenewal, now: due) == .seconds(30))
        #expect(CertificateRenewal.delay(until: now, now: due) == .seconds(1), "a due renewal is retried after a second, not at once")
        #expect(CertificateRenewal.delay(until: nil, now: due) == nil)
    }

    /// User-provided certificates are never renewed by the operator: they set no renewal time.
    @Test func userProvidedCertificatesScheduleNoRenewal() throws {
        let authority = try CertificateAuthority.generate(commonName: "corp-ca", organizationalUnit: nil, policy: policy, now: now)
        let server = try authority.issue(commonName: "db", dnsNames: ["db"], usage: .server, policy: policy, now: now)
        let client = try authority.issue(commonName: "streaming_replica", dnsNames: [], usage: .client, policy: policy, now: now)
        var cluster = sampleCluster()
        let names: [(String, String)] = [
            ("serverCASecret", "corp-ca"), ("serverTLSSecret", "corp-server"), ("clientCASecret", "corp-ca"),
            ("replicationTLSSecret", "corp-repl"),
        ]
        cluster.spec.certificates = try ObjectCodec.decode(CertificatesConfiguration.self, from: .object(names.map { ($0.0, .string($0.1)) }))
        let plan = try ClusterPKI.reconcile(
            cluster: cluster,
            existing: [
                "corp-ca": ["ca.crt": authority.keyPair.certificatePEM, "ca.key": authority.keyPair.privateKeyPEM],
                "corp-server": ["tls.crt": server.certificatePEM, "tls.key": server.privateKeyPEM],
                "corp-repl": ["tls.crt": client.certificatePEM, "tls.key": client.privateKeyPEM],
            ], policy: policy, now: now)
        #expect(plan.secrets.isEmpty)
        #expect(plan.nextRenewal == nil)
    }

    @Test func changedDNSNamesReissueTheServerCertificate() throws {
        let first = try ClusterPKI.reconcile(cluster: sampleCluster(), existing: [:], policy: policy, now: now)
        let existing = Dictionary(uniqueKeysWithValues: first.secrets.map { ($0.name, $0.data) })
        let plan = try ClusterPKI.reconcile(cluster: sampleCluster(altNames: ["new.example.com"]), existing: existing, policy: policy, now: now)
        #expect(plan.secrets.map(\.name) == ["cluster-example-server"])
        #expect(plan.secrets.first?.action == .renewed(reason: "the DNS names changed"))
    }
}

@Suite struct UserProvidedCertificateTests {
    private func userCluster(_ certificates: [String: String]) throws -> Cluster {
        var cluster = sampleCluster()
        cluster.spec.certificates = try ObjectCodec.decode(CertificatesConfiguration.self, from: .object(certificates.map { ($0.key, .string($0.value)) }))
        return cluster
    }

    private func material() throws -> (ca: CertificateAuthority, server: TLSKeyPair, client: TLSKeyPair) {
        let ca = try CertificateAuthority.generate(commonName: "corp-ca", organizationalUnit: nil, policy: policy, now: now)
        return (
            ca, try ca.issue(commonName: "db", dnsNames: ["db"], usage: .server, policy: policy, now: now),
            try ca.issue(commonName: "streaming_replica", dnsNames: [], usage: .client, policy: policy, now: now)
        )
    }

    @Test func validUserCertificatesAreUsedAndNeverWritten() throws {
        let (ca, server, client) = try material()
        let cluster = try userCluster([
            "serverCASecret": "corp-ca", "serverTLSSecret": "corp-server",
            "clientCASecret": "corp-ca", "replicationTLSSecret": "corp-repl",
        ])
        let plan = try ClusterPKI.reconcile(
            cluster: cluster,
            existing: [
                "corp-ca": ["ca.crt": ca.keyPair.certificatePEM],
                "corp-server": ["tls.crt": server.certificatePEM, "tls.key": server.privateKeyPEM],
                "corp-repl": ["tls.crt": client.certificatePEM, "tls.key": client.privateKeyPEM],
            ], policy: policy, now: now)
        #expect(plan.secrets.isEmpty)
        #expect(plan.serverCA == ca.certificate)
    }

    @Test func aUserCAWithItsKeySignsTheGeneratedLeaves() throws {
        let (ca, _, _) = try material()
        let cluster = try userCluster(["serverCASecret": "corp-ca", "clientCASecret": "corp-ca"])
        let plan = try ClusterPKI.reconcile(
            cluster: cluster,
            existing: [
                "corp-ca": ["ca.crt": ca.keyPair.certificatePEM, "ca.key": ca.keyPair.privateKeyPEM]
            ], policy: policy, now: now)
        #expect(plan.secrets.map(\.name) == ["cluster-example-server", "cluster-example-replication"])
        let server = try CertificateMaterial.leaf(in: plan.secrets[0].data, secret: "s", usage: .server, ca: ca.certificate, caSecret: "corp-ca", now: now)
        #expect(server.isSigned(by: ca.certificate))
    }

    /// Each kind of bad material gives its own error, naming the secret and never its contents.
    @Test func badMaterialYieldsDistinctClearErrors() throws {
        let (ca, server, client) = try material()
        let other = try CertificateAuthority.generate(commonName: "other", organizationalUnit: nil, policy: policy, now: now)
        let expiredPolicy = CertificatePolicy(validityDays: 1)
        let expired = try ca.issue(commonName: "db", dnsNames: [], usage: .server, policy: expiredPolicy, now: now.addingTimeInterval(-10 * 86_400))
        let serverCluster = try userCluster(["serverCASecret": "corp-ca", "serverTLSSecret": "corp-server"])
        let goodCA = ["ca.crt": ca.keyPair.certificatePEM]

        let cases: [(existing: [String: [String: String]], expected: PKIError)] = [
            (["corp-server": ["tls.crt": server.certificatePEM, "tls.key": server.privateKeyPEM]], .secretNotFound(secret: "corp-ca")),
            (["corp-ca": [:], "corp-server": [:]], .missingKey(secret: "corp-ca", key: "ca.crt")),
            (
                ["corp-ca": ["ca.crt": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"]],
                .malformedCertificate(secret: "corp-ca", key: "ca.crt")
            ),
            (["corp-ca": ["ca.crt": server.certificatePEM]], .notCertificateAuthority(secret: "corp-ca")),
            (
                ["corp-ca": goodCA, "corp-server": ["tls.crt": server.certificatePEM, "tls.key": "garbage"]],
                .malformedPrivateKey(secret: "corp-server", key: "tls.key")
            ),
            (["corp-ca": goodCA, "corp-server": ["tls.crt": server.certificatePEM, "tls.key": client.privateKeyPEM]], .keyMismatch(secret: "corp-server")),
            (
                ["corp-ca": goodCA, "corp-server": ["tls.crt": expired.certificatePEM, "tls.key": expired.privateKeyPEM]],
                .expired(secret: "corp-server", notAfter: expired.certificate.notValidAfter)
            ),
            (
                ["corp-ca": goodCA, "corp-server": ["tls.crt": client.certificatePEM, "tls.key": client.privateKeyPEM]],
                .wrongUsage(secret: "corp-server", expected: .server)
            ),
            (
                ["corp-ca": ["ca.crt": other.keyPair.certificatePEM], "corp-server": ["tls.crt": server.certificatePEM, "tls.key": server.privateKeyPEM]],
                .notSignedByCA(secret: "corp-server", caSecret: "corp-ca")
            ),
        ]
        var messages: Set<String> = []
        for (existing, expected) in cases {
            #expect(throws: expected) { try ClusterPKI.reconcile(cluster: serverCluster, existing: existing, policy: policy, now: now) }
            #expect(!expected.description.contains("BEGIN"))
            #expect(expected.description.contains("corp-"))
            messages.insert(String(expected.description.prefix(40)))
        }
        #expect(messages.count == cases.count)
    }

    @Test func operatorSignedLeavesNeedTheUserCAKey() throws {
        let (ca, _, _) = try material()
        let cluster = try userCluster(["serverCASecret": "corp-ca", "clientCASecret": "corp-ca"])
        #expect(throws: PKIError.missingKey(secret: "corp-ca", key: "ca.key")) {
            try ClusterPKI.reconcile(cluster: cluster, existing: ["corp-ca": ["ca.crt": ca.keyPair.certificatePEM]], policy: policy, now: now)
        }
    }
}

@Suite struct CertificateSettingsTests {
    @Test func durationsAreDaysAsInCNPGOrCarryAUnit() {
        #expect(OperatorConfiguration.duration("90") == TimeInterval(90 * 86_400))
        #expect(OperatorConfiguration.duration("120s") == 120)
        #expect(OperatorConfiguration.duration("5m") == 300)
        #expect(OperatorConfiguration.duration("2h") == 7_200)
        #expect(OperatorConfiguration.duration("3d") == TimeInterval(3 * 86_400))
        for bad in ["", "0", "-1", "1.5", "10x", "s", "１０", "9999999999999999999999"] {
            #expect(OperatorConfiguration.duration(bad) == nil, "\(bad)")
        }
    }

    @Test func settingsBecomeThePolicyAndBadOnesAreNamed() {
        let configuration = OperatorConfiguration(settings: ["CERTIFICATE_DURATION": "120s", "EXPIRING_CHECK_THRESHOLD": "90s"])
        #expect(configuration.invalidSettings.isEmpty)
        #expect(CertificatePolicy(configuration: configuration) == CertificatePolicy(validity: 120, renewalThreshold: 90))
        #expect(CertificatePolicy(configuration: OperatorConfiguration()) == CertificatePolicy(validityDays: 90, renewalThresholdDays: 7))

        let garbled = OperatorConfiguration(settings: ["CERTIFICATE_DURATION": "ninety"])
        #expect(garbled.invalidSettings.count == 1)
        #expect(garbled.invalidSettings.first?.hasPrefix("CERTIFICATE_DURATION: \"ninety\"") == true)
        let inverted = OperatorConfiguration(settings: ["CERTIFICATE_DURATION": "1", "EXPIRING_CHECK_THRESHOLD": "7"])
        #expect(inverted.invalidSettings == ["EXPIRING_CHECK_THRESHOLD (604800 s) must be shorter than CERTIFICATE_DURATION (86400 s)"])
    }
}
