import Foundation

/// Where the API server is and how to authenticate: from a kubeconfig or from inside a pod.
public struct KubeClientConfiguration: Sendable, Equatable {
    public enum Credentials: Sendable, Equatable {
        case none
        case token(String)
        /// A token re-read on every request (projected service-account tokens rotate).
        case tokenFile(String)
        case clientCertificate(certificatePEM: String, keyPEM: String)
    }

    public var server: String
    public var certificateAuthorityPEM: String?
    public var insecureSkipTLSVerify = false
    public var credentials: Credentials
    public var namespace: String

    public init(server: String, certificateAuthorityPEM: String?, credentials: Credentials, namespace: String = "default") {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.credentials = credentials
        self.namespace = namespace
    }

    public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
        public let description: String
    }

    /// Reads a kubeconfig: `path`, else the first existing file of `KUBECONFIG` (colon list),
    /// else `~/.kube/config`; `context` overrides `current-context`.
    public static func fromKubeconfig(
        path: String? = nil, context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> KubeClientConfiguration {
        let candidates: [String]
        if let path {
            candidates = [path]
        } else if let list = environment["KUBECONFIG"], !list.isEmpty {
            candidates = list.split(separator: ":").map(String.init)
        } else {
            candidates = [(environment["HOME"] ?? NSHomeDirectory()) + "/.kube/config"]
        }
        var documents: [(String, JSONValue)] = []
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate) {
            let text = try String(contentsOfFile: candidate, encoding: .utf8)
            if let document = try YAMLLoader.documents(from: text).first?.value { documents.append((candidate, document)) }
        }
        guard !documents.isEmpty else {
            throw ConfigurationError(description: "no kubeconfig found (looked at \(candidates.joined(separator: ", ")))")
        }
        // With several files, the first one to define a name wins, as kubectl merges them.
        func entry(_ list: String, _ name: String) -> (String, JSONValue)? {
            for (file, document) in documents {
                if case .array(let entries)? = document[list], let found = entries.first(where: { $0["name"]?.stringValue == name }) {
                    return (file, found)
                }
            }
            return nil
        }
        guard let contextName = context ?? documents.lazy.compactMap({ $0.1["current-context"]?.stringValue }).first(where: { !$0.isEmpty }) else {
            throw ConfigurationError(description: "the kubeconfig has no current-context; pass --context")
        }
        guard let (_, contextEntry) = entry("contexts", contextName), let contextValue = contextEntry["context"] else {
            throw ConfigurationError(description: "context \"\(contextName)\" not found in the kubeconfig")
        }
        guard let clusterName = contextValue["cluster"]?.stringValue, let (clusterFile, clusterEntry) = entry("clusters", clusterName),
            let cluster = clusterEntry["cluster"], let server = cluster["server"]?.stringValue
        else {
            throw ConfigurationError(description: "context \"\(contextName)\" names no usable cluster")
        }
        let base = URL(fileURLWithPath: clusterFile).deletingLastPathComponent()
        func material(_ object: JSONValue?, data: String, file: String, relativeTo base: URL) throws -> String? {
            if let encoded = object?[data]?.stringValue {
                guard let decoded = Data(base64Encoded: encoded).flatMap({ String(data: $0, encoding: .utf8) }) else {
                    throw ConfigurationError(description: "\(data) is not valid base64")
                }
                return decoded
            }
            if let path = object?[file]?.stringValue {
                let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
                return try String(contentsOf: url, encoding: .utf8)
            }
            return nil
        }
        var configuration = KubeClientConfiguration(
            server: server,
            certificateAuthorityPEM: try material(cluster, data: "certificate-authority-data", file: "certificate-authority", relativeTo: base),
            credentials: .none,
            namespace: contextValue["namespace"]?.stringValue ?? "default")
        configuration.insecureSkipTLSVerify = cluster["insecure-skip-tls-verify"] == .bool(true)
        if let userName = contextValue["user"]?.stringValue, let (userFile, userEntry) = entry("users", userName), let user = userEntry["user"] {
            let userBase = URL(fileURLWithPath: userFile).deletingLastPathComponent()
            if let token = user["token"]?.stringValue {
                configuration.credentials = .token(token)
            } else if let tokenFile = user["tokenFile"]?.stringValue {
                configuration.credentials = .tokenFile(tokenFile.hasPrefix("/") ? tokenFile : userBase.appendingPathComponent(tokenFile).path)
            } else if let certificate = try material(user, data: "client-certificate-data", file: "client-certificate", relativeTo: userBase),
                let key = try material(user, data: "client-key-data", file: "client-key", relativeTo: userBase)
            {
                configuration.credentials = .clientCertificate(certificatePEM: certificate, keyPEM: key)
            }
        }
        return configuration
    }

    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Inside a pod: `KUBERNETES_SERVICE_HOST`/`_PORT`, the projected token (re-read when it rotates),
    /// the CA and the namespace files.
    public static func inCluster(
        directory: String = serviceAccountDirectory,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> KubeClientConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"] else {
            throw ConfigurationError(description: "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset")
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let ca = try? String(contentsOfFile: directory + "/ca.crt", encoding: .utf8)
        let namespace = (try? String(contentsOfFile: directory + "/namespace", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return KubeClientConfiguration(
            server: "https://\(hostPart):\(port)", certificateAuthorityPEM: ca,
            credentials: .tokenFile(directory + "/token"), namespace: namespace ?? "default")
    }
}
