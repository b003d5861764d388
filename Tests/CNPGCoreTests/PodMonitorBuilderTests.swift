import CNPGCore
import Foundation
import Testing

/// The PodMonitors CNPG creates for a Cluster and a Pooler with `enablePodMonitor`.
@Suite struct PodMonitorBuilderTests {
    typealias Fixtures = ReconcileDecisionTests

    @Test func aClusterPodMonitorSelectsItsInstancesAndScrapesOverTLSWhenTheMetricsAre() throws {
        let cluster = try ObjectCodec.decode(
            Cluster.self,
            from: try Fixtures.json(
                #"{"metadata":{"name":"pg","namespace":"db","uid":"u-1"},"spec":{"instances":3,"monitoring":{"enablePodMonitor":true,"tls":{"enabled":true},"podMonitorRelabelings":[{"action":"labeldrop","regex":"x"}]}}}"#
            ))
        let monitor = PodMonitorBuilder.podMonitor(for: cluster)
        #expect(monitor["apiVersion"] == .string("monitoring.coreos.com/v1") && monitor["kind"] == .string("PodMonitor"))
        #expect(monitor["metadata"]?["name"] == .string("pg") && monitor["metadata"]?["namespace"] == .string("db"))
        #expect(monitor["metadata"]?["ownerReferences"]?.arrayValue?.first?["uid"] == .string("u-1"))
        #expect(monitor["spec"]?["selector"]?["matchLabels"] == .object([("cnpg.io/cluster", .string("pg")), ("cnpg.io/podRole", .string("instance"))]))
        let endpoint = monitor["spec"]?["podMetricsEndpoints"]?.arrayValue?.first
        #expect(endpoint?["port"] == .string("metrics") && endpoint?["scheme"] == .string("https"))
        #expect(endpoint?["tlsConfig"]?["ca"]?["secret"]?["name"] == .string("pg-ca"))
        #expect(endpoint?["tlsConfig"]?["serverName"] == .string("pg-rw"))
        #expect(endpoint?["relabelings"]?.arrayValue?.count == 1 && endpoint?["metricRelabelings"] == nil)
    }

    @Test func aPoolerPodMonitorSelectsItsPodsInClearByDefault() throws {
        let pooler = try ObjectCodec.decode(
            Pooler.self,
            from: try Fixtures.json(
                #"{"metadata":{"name":"pool","namespace":"db","uid":"u-2"},"spec":{"cluster":{"name":"pg"},"pgbouncer":{"poolMode":"session"},"monitoring":{"enablePodMonitor":true}}}"#
            ))
        let monitor = PodMonitorBuilder.podMonitor(for: pooler)
        #expect(monitor["metadata"]?["name"] == .string("pool"))
        #expect(monitor["metadata"]?["ownerReferences"]?.arrayValue?.first?["kind"] == .string("Pooler"))
        #expect(monitor["spec"]?["selector"]?["matchLabels"] == .object([("cnpg.io/poolerName", .string("pool"))]))
        #expect(monitor["spec"]?["podMetricsEndpoints"] == .array([.object([("port", .string("metrics"))])]))
    }
}
