/// The Prometheus Operator `PodMonitor`s CNPG creates when `monitoring.enablePodMonitor` is set
/// (and the PodMonitor CRD is installed): one per Cluster, named like it, selecting its instance
/// pods, and one per Pooler selecting its pods; one `metrics` endpoint each, over TLS when the
/// metrics are, and the user's relabelings.
public enum PodMonitorBuilder {
    public static let apiVersion = "monitoring.coreos.com/v1"

    public static func podMonitor(for cluster: Cluster) -> JSONValue {
        let name = cluster.metadata.name ?? ""
        var endpoint: [(String, JSONValue)] = [("port", .string("metrics"))]
        if cluster.spec.monitoring?.tls?.enabled == true {
            // As CNPG: the server CA is given, and the name is not checked (the pod is scraped by address).
            endpoint += [
                ("scheme", .string("https")),
                (
                    "tlsConfig",
                    .object([
                        ("ca", authority(ClusterCertificateNames(cluster: cluster).serverCASecret)),
                        ("serverName", .string("\(name)-rw")), ("insecureSkipVerify", .bool(true)),
                    ])
                ),
            ]
        }
        endpoint += relabelings(metric: cluster.spec.monitoring?.podMonitorMetricRelabelings, target: cluster.spec.monitoring?.podMonitorRelabelings)
        let metadata = ClusterObjectMetadata.make(for: cluster, name: name)
        let selector: JSONValue = .object([(CNPGLabels.cluster, .string(name)), (CNPGLabels.podRole, .string("instance"))])
        return object(metadata: ObjectCodec.encode(metadata), selector: selector, endpoint: endpoint)
    }

    public static func podMonitor(for pooler: Pooler) -> JSONValue {
        let name = pooler.metadata.name ?? ""
        var endpoint: [(String, JSONValue)] = [("port", .string("metrics"))]
        if pooler.spec.monitoring?.tls?.enabled == true {
            var tls: [(String, JSONValue)] = [("insecureSkipVerify", .bool(true))]
            if let authority = pooler.status?.secrets?.clientCA?.name {
                tls.insert(("ca", Self.authority(authority)), at: 0)
            }
            endpoint += [("scheme", .string("https")), ("tlsConfig", .object(tls))]
        }
        endpoint += relabelings(metric: pooler.spec.monitoring?.podMonitorMetricRelabelings, target: pooler.spec.monitoring?.podMonitorRelabelings)
        let metadata = PoolerBuilder.metadata(for: pooler)
        return object(metadata: ObjectCodec.encode(metadata), selector: .object([(CNPGLabels.poolerName, .string(name))]), endpoint: endpoint)
    }

    /// A TLS config's CA: key `ca.crt` of that secret.
    static func authority(_ secret: String) -> JSONValue {
        .object([("secret", .object([("name", .string(secret)), ("key", .string("ca.crt"))]))])
    }

    static func relabelings(metric: [JSONValue]?, target: [JSONValue]?) -> [(String, JSONValue)] {
        var fields: [(String, JSONValue)] = []
        if let metric, !metric.isEmpty { fields.append(("metricRelabelings", .array(metric))) }
        if let target, !target.isEmpty { fields.append(("relabelings", .array(target))) }
        return fields
    }

    static func object(metadata: JSONValue, selector: JSONValue, endpoint: [(String, JSONValue)]) -> JSONValue {
        .object([
            ("apiVersion", .string(apiVersion)), ("kind", .string("PodMonitor")), ("metadata", metadata),
            (
                "spec",
                .object([
                    ("selector", .object([("matchLabels", selector)])),
                    ("podMetricsEndpoints", .array([.object(endpoint)])),
                ])
            ),
        ])
    }
}
