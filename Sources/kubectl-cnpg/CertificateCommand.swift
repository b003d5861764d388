import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg certificate SECRET --cnpg-cluster C --cnpg-user U`: a client certificate for a
/// database user, signed by the Cluster's client CA, stored as a `kubernetes.io/tls` Secret.
struct CertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate",
        abstract: "Create a client certificate Secret for a database user, signed by the cluster's client CA."
    )

    @OptionGroup var connection: KubeconfigOptions

    @Argument(help: "The name of the Secret to create.")
    var secret: String

    @Option(name: .customLong("cnpg-cluster"), help: "The Cluster whose client CA signs the certificate.")
    var cluster: String

    @Option(name: .customLong("cnpg-user"), help: "The database user (the certificate's common name).")
    var user: String

    @Option(name: .shortAndLong, help: "Print the Secret as json or yaml.")
    var output: ValidateFormat?

    @Flag(name: .customLong("dry-run"), help: "Do not create the Secret (with -o, only print it).")
    var dryRun = false

    enum ValidateFormat: String, ExpressibleByArgument, CaseIterable { case json, yaml }

    func validate() throws {
        guard !user.isEmpty else { throw ValidationError("--cnpg-user must not be empty") }
    }

    func run() async throws {
        let (client, namespace) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        let object = try await ClusterLookup.get(client, cluster, namespace: namespace)
        let decoded = try ObjectCodec.decode(Cluster.self, from: object)
        let caSecret = ClusterCertificateNames(cluster: decoded).clientCASecret
        let caObject: JSONValue
        do {
            caObject = try await client.get(.secrets, namespace: namespace, name: caSecret)
        } catch let error as KubeAPIError where error.code == 404 {
            throw PluginError("the client CA secret \"\(caSecret)\" of cluster \"\(cluster)\" was not found")
        }
        let data = try ObjectCodec.decode(Secret.self, from: caObject).stringValues
        let authority: CertificateAuthority
        do {
            guard let found = try CertificateMaterial.certificateAuthority(in: data, secret: caSecret, requireKey: true, now: Date()).authority else {
                throw PluginError("the client CA secret \"\(caSecret)\" holds no ca.key: the certificate cannot be signed here")
            }
            authority = found
        } catch let error as PKIError {
            throw PluginError("\(error)")
        }
        let pair = try ClusterPKI.clientCertificate(user: user, clientCA: authority, policy: CertificatePolicy(), now: Date())
        let secretObject = ObjectCodec.encode(
            Secret(
                metadata: ObjectMeta(name: secret, namespace: namespace, labels: ["app.kubernetes.io/managed-by": "cloudnative-pg"]),
                type: "kubernetes.io/tls",
                stringValues: [CertificateMaterial.tlsCertificateKey: pair.certificatePEM, CertificateMaterial.tlsPrivateKeyKey: pair.privateKeyPEM]))
        if let output {
            print(ManifestValidator.render([secretObject], format: output.rawValue), terminator: "")
        }
        guard !dryRun else { return }
        do {
            _ = try await client.create(.secrets, namespace: namespace, secretObject)
        } catch let error as KubeAPIError where error.code == 409 {
            throw PluginError("secret \"\(secret)\" already exists in namespace \"\(namespace)\"")
        }
        if output == nil { print("secret/\(secret) created") }
    }
}
