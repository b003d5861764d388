import NIOSSL

extension TLSConfiguration {
    /// A TLS 1.3 client that trusts only `caPEM` and checks no host name: the tests and the
    /// benchmarks reach services and pods by address, while the certificates name the services.
    public static func clientTrusting(caPEM: String) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        tls.certificateVerification = .noHostnameVerification
        tls.minimumTLSVersion = .tlsv13
        return tls
    }
}
