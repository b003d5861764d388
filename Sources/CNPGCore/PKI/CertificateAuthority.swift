import Crypto
import Foundation
import SwiftASN1
import X509

/// What a leaf certificate is for.
public enum CertificateUsage: String, Sendable {
    case server
    case client

    var extendedKeyUsage: ExtendedKeyUsage.Usage { self == .server ? .serverAuth : .clientAuth }
}

/// A self-signed certificate authority that issues the cluster's (or the webhook's) leaf certificates.
public struct CertificateAuthority: Sendable {
    public var keyPair: TLSKeyPair

    public init(keyPair: TLSKeyPair) { self.keyPair = keyPair }

    public var certificate: Certificate { keyPair.certificate }

    /// A new CA: ECDSA P-256, subject CN (+ OU), key usage certificate signing only.
    public static func generate(commonName: String, organizationalUnit: String?, policy: CertificatePolicy, now: Date) throws -> CertificateAuthority {
        try selfSigned(key: P256.Signing.PrivateKey(), commonName: commonName, organizationalUnit: organizationalUnit, policy: policy, now: now)
    }

    /// The same CA re-signed with a new validity, keeping its key and subject so issued leaves still verify.
    public func renewed(policy: CertificatePolicy, now: Date) throws -> CertificateAuthority {
        let validity = policy.validity(from: now)
        let certificate = try Certificate(
            version: .v3, serialNumber: Self.randomSerial(), publicKey: keyPair.certificate.publicKey,
            notValidBefore: validity.notBefore, notValidAfter: validity.notAfter,
            issuer: keyPair.certificate.subject, subject: keyPair.certificate.subject,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: try Self.caExtensions(),
            issuerPrivateKey: Certificate.PrivateKey(keyPair.privateKey))
        return CertificateAuthority(keyPair: TLSKeyPair(certificate: certificate, privateKey: keyPair.privateKey))
    }

    static func selfSigned(
        key: P256.Signing.PrivateKey, commonName: String, organizationalUnit: String?,
        policy: CertificatePolicy, now: Date
    ) throws -> CertificateAuthority {
        let subject = try DistinguishedName {
            if let organizationalUnit { OrganizationalUnitName(organizationalUnit) }
            CommonName(commonName)
        }
        let validity = policy.validity(from: now)
        let certificate = try Certificate(
            version: .v3, serialNumber: randomSerial(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: validity.notBefore, notValidAfter: validity.notAfter,
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try caExtensions(), issuerPrivateKey: Certificate.PrivateKey(key))
        return CertificateAuthority(keyPair: TLSKeyPair(certificate: certificate, privateKey: key))
    }

    private static func caExtensions() throws -> Certificate.Extensions {
        try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(keyCertSign: true))
        }
    }

    /// Issues a leaf certificate. A server certificate also lists each comma-separated part of
    /// the common name as a SAN (IP or DNS), as CNPG does.
    public func issue(
        commonName: String, dnsNames: [String], ipAddresses extraIPs: [String] = [], usage: CertificateUsage,
        policy: CertificatePolicy, now: Date, reusing key: P256.Signing.PrivateKey? = nil
    ) throws -> TLSKeyPair {
        let key = key ?? P256.Signing.PrivateKey()
        var names: [GeneralName] = []
        var seenDNS: Set<String> = []
        var ipAddresses: [ASN1OctetString] = []
        if usage == .server {
            for part in commonName.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
                if let ip = IPAddress.bytes(of: part) {
                    ipAddresses.append(ASN1OctetString(contentBytes: ArraySlice(ip)))
                } else if seenDNS.insert(part).inserted {
                    names.append(.dnsName(part))
                }
            }
        }
        for name in dnsNames where seenDNS.insert(name).inserted {
            names.append(.dnsName(name))
        }
        ipAddresses += extraIPs.compactMap(IPAddress.bytes(of:)).map { ASN1OctetString(contentBytes: ArraySlice($0)) }
        names += ipAddresses.map { .ipAddress($0) }
        let subject = try DistinguishedName { CommonName(commonName) }
        let validity = policy.validity(from: now)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: usage == .server, keyAgreement: true))
            try ExtendedKeyUsage([usage.extendedKeyUsage])
            AuthorityKeyIdentifier(keyIdentifier: ArraySlice(Self.keyIdentifier(of: keyPair.privateKey.publicKey)))
            if !names.isEmpty { SubjectAlternativeNames(names) }
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Self.randomSerial(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: validity.notBefore, notValidAfter: validity.notAfter,
            issuer: keyPair.certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(keyPair.privateKey))
        return TLSKeyPair(certificate: certificate, privateKey: key)
    }

    /// A positive random serial below 2^128.
    static func randomSerial() -> Certificate.SerialNumber {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        bytes[0] &= 0x7F
        if bytes[0] == 0 { bytes[0] = 1 }
        return Certificate.SerialNumber(bytes: bytes)
    }

    static func keyIdentifier(of key: P256.Signing.PublicKey) -> [UInt8] {
        Array(Insecure.SHA1.hash(data: key.x963Representation))
    }
}

/// IPv4/IPv6 literals as the bytes an X.509 IP SAN carries.
enum IPAddress {
    static func bytes(of text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4 {
            let octets = parts.compactMap { UInt8($0) }
            return octets.count == 4 ? octets : nil
        }
        guard text.contains(":") else { return nil }
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
