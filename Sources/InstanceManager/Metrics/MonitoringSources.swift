import CNPGCore
import Foundation
import Logging

/// The custom-queries documents a Cluster names (`spec.monitoring.customQueriesConfigMap`, then
/// `customQueriesSecret`, in listed order), read with the instance's own Role (which grants get
/// on exactly those names).
enum MonitoringSources {
    struct Source: Sendable, Equatable {
        var name: String
        var text: String
    }

    static func load(cluster: Cluster, access: ClusterAccess, logger: Logger) async -> [Source] {
        let monitoring = cluster.spec.monitoring
        var sources: [Source] = []
        for reference in monitoring?.customQueriesConfigMap ?? [] {
            let name = "configmap \(reference.name) key \(reference.key)"
            do {
                guard let data = try await access.configMap(reference.name) else {
                    logger.warning("custom queries ConfigMap not found", metadata: ["configMap": "\(reference.name)"])
                    continue
                }
                guard let text = data[reference.key] else {
                    logger.warning("custom queries key missing", metadata: ["configMap": "\(reference.name)", "key": "\(reference.key)"])
                    continue
                }
                sources.append(Source(name: name, text: text))
            } catch {
                logger.warning("cannot read custom queries", metadata: ["source": "\(name)", "error": "\(error)"])
            }
        }
        for reference in monitoring?.customQueriesSecret ?? [] {
            let name = "secret \(reference.name) key \(reference.key)"
            do {
                guard let secret = try await access.secret(reference.name), let text = secret.values[reference.key] else {
                    logger.warning("custom queries secret or key not found", metadata: ["secret": "\(reference.name)", "key": "\(reference.key)"])
                    continue
                }
                sources.append(Source(name: name, text: text))
            } catch {
                logger.warning("cannot read custom queries", metadata: ["source": "\(name)", "error": "\(error)"])
            }
        }
        return sources
    }
}
