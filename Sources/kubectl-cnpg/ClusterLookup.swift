import CNPGCore
import Foundation

/// Reading and annotating the Cluster a command is about, with the plugin's errors.
enum ClusterLookup {
    static func get(_ client: HTTPKubeClient, _ cluster: String, namespace: String) async throws -> JSONValue {
        do {
            return try await client.get(.clusters, namespace: namespace, name: cluster)
        } catch let error as KubeAPIError where error.code == 404 {
            throw PluginError("cluster \"\(cluster)\" not found in namespace \"\(namespace)\"")
        }
    }

    static func annotate(_ client: HTTPKubeClient, _ cluster: String, namespace: String, _ key: String, _ value: String) async throws {
        let patch: JSONValue = .object([("metadata", .object([("annotations", .object([(key, .string(value))]))]))])
        _ = try await client.patch(.clusters, namespace: namespace, name: cluster, patch, patchType: .merge, subresource: nil, fieldManager: nil)
    }
}
