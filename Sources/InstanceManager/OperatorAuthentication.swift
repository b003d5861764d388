import CNPGCore
import Foundation
import Hummingbird
import NIOCore
import NIOSSL

/// The status server's request context: it keeps the connection's channel so a handler can read
/// the client certificate the peer presented during the TLS handshake.
struct InstanceRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Lowercase hex SHA-256 of the presented client certificate's SubjectPublicKeyInfo, nil when
    /// the connection is not TLS or the peer presented none.
    func clientCertificateFingerprint() async -> String? {
        let channel = self.channel
        let spki = try? await channel.pipeline.handler(type: NIOSSLServerHandler.self).flatMapThrowing { handler -> [UInt8]? in
            // Runs on the channel's event loop, where the handler's state may be read.
            try handler.peerCertificate?.extractPublicKey().toSPKIBytes()
        }.get()
        guard let spki else { return nil }
        return sha256Hex(Data(spki))
    }
}

/// CNPG's rule for the endpoints only the operator may call: the client certificate's public key
/// must be the one the operator published in `status.operatorCertificateFingerprint`.
enum OperatorAuthentication {
    enum Outcome: Equatable {
        case allowed
        case refused(HTTPResponse.Status, String)
    }

    static func check(presented: String?, registered: String?) -> Outcome {
        guard let presented else { return .refused(.unauthorized, "client certificate required") }
        guard let registered, !registered.isEmpty else { return .refused(.serviceUnavailable, "operator certificate not registered") }
        return presented == registered.lowercased() ? .allowed : .refused(.serviceUnavailable, "operator certificate not recognized")
    }
}
