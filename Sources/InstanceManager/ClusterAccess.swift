import CNPGCore
import Foundation
import Logging

/// The instance manager's view of the API server: its Cluster and the Secrets its Role lets it read.
struct ClusterAccess: Sendable {
    let client: any KubeClient
    let namespace: String
    let clusterName: String

    func cluster() async throws -> Cluster {
        try await client.get(Cluster.self, .clusters, namespace: namespace, name: clusterName)
    }

    /// CNPG's subcommands first wait until the Cluster can be read (the API may not be reachable yet).
    func waitForCluster(logger: Logger, attempts: Int = 60) async throws -> Cluster {
        var lastError: (any Error)?
        for attempt in 1...attempts {
            do { return try await cluster() } catch {
                lastError = error
                if attempt == 1 || attempt % 10 == 0 {
                    logger.info("waiting for the Cluster", metadata: ["cluster": "\(clusterName)", "error": "\(error)"])
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
        throw lastError!
    }

    /// The decoded values of a Secret, nil when it does not exist.
    func secret(_ name: String) async throws -> (values: [String: String], resourceVersion: String)? {
        let object: JSONValue
        do { object = try await client.get(.secrets, namespace: namespace, name: name) } catch let error as KubeAPIError where error.isNotFound {
            return nil
        }
        let secret = try ObjectCodec.decode(Secret.self, from: object)
        var values: [String: String] = [:]
        for (key, encoded) in secret.data ?? [:] {
            guard let data = Data(base64Encoded: encoded) else { continue }
            values[key] = String(decoding: data, as: UTF8.self)
        }
        return (values, secret.metadata.resourceVersion ?? "")
    }

    /// A ConfigMap's data, nil when it does not exist.
    func configMap(_ name: String) async throws -> [String: String]? {
        let object: JSONValue
        do { object = try await client.get(.configMaps, namespace: namespace, name: name) } catch let error as KubeAPIError where error.isNotFound {
            return nil
        }
        return object["data"]?.stringMap ?? [:]
    }

    /// A merge patch of the Cluster's status subresource.
    func patchStatus(_ fields: [(String, JSONValue)]) async throws {
        _ = try await client.patch(
            .clusters, namespace: namespace, name: clusterName,
            .object([("status", .object(fields))]), patchType: .merge,
            subresource: "status", fieldManager: "instance-manager")
    }

    /// The FailoverQuorum status this primary reports; nil empties it (before a reload changes the
    /// synchronous replication, so the operator never decides on a stale report).
    func reportFailoverQuorum(_ status: FailoverQuorumStatus?) async throws {
        let value: JSONValue =
            status.map { ObjectCodec.encode($0) }
            ?? .object(["method", "standbyNames", "standbyNumber", "primary"].map { ($0, JSONValue.null) })
        _ = try await client.patch(
            .failoverQuorums, namespace: namespace, name: clusterName, .object([("status", value)]), patchType: .merge,
            subresource: "status", fieldManager: "instance-manager")
    }
}
