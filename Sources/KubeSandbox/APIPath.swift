/// A Kubernetes REST path, understood: `/api/v1/namespaces/ns/pods/p/status`,
/// `/apis/postgresql.cnpg.io/v1/clusters`, ...
public struct APIPath: Sendable, Equatable {
    public var group: String
    public var version: String
    public var namespace: String?
    public var resource: String
    public var name: String?
    public var subresource: String?
    /// What follows `.../pods/NAME/proxy` (`/pg/status`), for the proxy subresource.
    public var proxyPath: String?

    /// Parses a resource path; nil for anything else (discovery, openapi, unknown prefixes).
    public init?(_ path: String, knownPlurals: Set<String>) {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.first == "api", parts.count >= 3 {
            group = ""
            version = parts[1]
            parts.removeFirst(2)
        } else if parts.first == "apis", parts.count >= 4 {
            group = parts[1]
            version = parts[2]
            parts.removeFirst(3)
        } else {
            return nil
        }
        if parts.count >= 3, parts[0] == "namespaces", knownPlurals.contains(parts[2]) {
            namespace = parts[1]
            parts.removeFirst(2)
        } else {
            namespace = nil
        }
        if parts.count > 3, parts[2] == "proxy" {
            proxyPath = "/" + parts[3...].joined(separator: "/") + (path.hasSuffix("/") ? "/" : "")
            parts.removeLast(parts.count - 3)
        } else if parts.count == 3, parts[2] == "proxy" {
            proxyPath = "/"
        }
        guard !parts.isEmpty, parts.count <= 3 else { return nil }
        resource = parts[0]
        name = parts.count > 1 ? parts[1] : nil
        subresource = parts.count > 2 ? parts[2] : nil
    }

    public var groupResource: String { group.isEmpty ? resource : "\(resource).\(group)" }
}
