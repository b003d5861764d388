import CNPGCore
import NIOCore
import NIOSSL
import X509

/// Who a client certificate names, as kube-apiserver reads it: the subject's common name is the
/// user, each organization a group (`system:masters` is the administrators' group).
enum ClientCertificateIdentity {
    static func user(fromDER der: [UInt8]) -> UserInfo? {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        var name: String?
        var groups: [String] = []
        for relativeName in certificate.subject {
            for attribute in relativeName {
                let value = attribute.value.description
                if attribute.type == .RDNAttributeType.commonName { name = value }
                if attribute.type == .RDNAttributeType.organizationName { groups.append(value) }
            }
        }
        guard let name, !name.isEmpty else { return nil }
        return UserInfo(name: name, groups: groups + ["system:authenticated"])
    }

    static func user(from certificate: NIOSSLCertificate) -> UserInfo? {
        guard let der = try? certificate.toDERBytes() else { return nil }
        return user(fromDER: der)
    }

    /// Who sent a request: its bearer token's user, else the one its TLS session's client
    /// certificate names (read only when the token does not authenticate).
    static func requester(api: SandboxAPI, authorization: String?, channel: any Channel) async -> UserInfo? {
        if let user = await api.authenticate(authorization) { return user }
        return try? await channel.nioSSL_peerCertificate().get().flatMap(user(from:))
    }
}
