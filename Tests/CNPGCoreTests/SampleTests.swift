import CNPGCore
import Testing

@Suite struct SampleTests {
    @Test func samplesAreFound() throws {
        let documents = try TestPaths.cnpgSampleDocuments()
        let kinds = Set(documents.compactMap { $0.value["kind"]?.stringValue })
        #expect(kinds == ["Cluster", "Pooler", "Backup", "ScheduledBackup"])
        #expect(documents.count == 17)
    }

    /// Decoding then encoding a sample gives back exactly what the user wrote.
    @Test func everySampleRoundTripsWithoutLoss() throws {
        for (file, document) in try TestPaths.cnpgSampleDocuments() {
            let encoded: JSONValue
            switch document["kind"]?.stringValue {
            case "Cluster": encoded = ObjectCodec.encode(try ObjectCodec.decode(Cluster.self, from: document))
            case "Pooler": encoded = ObjectCodec.encode(try ObjectCodec.decode(Pooler.self, from: document))
            case "Backup": encoded = ObjectCodec.encode(try ObjectCodec.decode(Backup.self, from: document))
            default: encoded = ObjectCodec.encode(try ObjectCodec.decode(ScheduledBackup.self, from: document))
            }
            #expect(encoded == document, "\(file) changed in a round trip")
            #expect(ObjectCodec.unknownFields(original: document, decoded: encoded).isEmpty, "\(file)")
        }
    }

    @Test func everySampleIsAdmitted() throws {
        for (file, document) in try TestPaths.cnpgSampleDocuments() {
            let report = try review(document)
            #expect(report.errors.isEmpty, "\(file): \(report.errors)")
            #expect(report.unknownFields.isEmpty, "\(file): \(report.unknownFields)")
        }
    }

    /// Defaults written by the API server (CRD) and CNPG's mutating webhook, as CNPG documents them.
    @Test func clusterExampleGetsCNPGDefaults() throws {
        let documents = try TestPaths.cnpgSampleDocuments().filter { $0.file == "cluster-example.yaml" }
        let cluster = try decodeDefaultedCluster(try review(try #require(documents.first).value))
        let spec = cluster.spec
        #expect(spec.imageName == "ghcr.io/cloudnative-pg/postgresql:18.6-system-trixie")
        #expect(spec.instances == 3)
        #expect(spec.postgresUID == 26)
        #expect(spec.postgresGID == 26)
        #expect(spec.minSyncReplicas == 0)
        #expect(spec.maxSyncReplicas == 0)
        #expect(spec.enableSuperuserAccess == false)
        #expect(spec.startDelay == 3600)
        #expect(spec.stopDelay == 1800)
        #expect(spec.smartShutdownTimeout == 180)
        #expect(spec.switchoverDelay == 3600)
        #expect(spec.failoverDelay == 0)
        #expect(spec.primaryUpdateStrategy == "unsupervised")
        #expect(spec.primaryUpdateMethod == "restart")
        #expect(spec.logLevel == "info")
        #expect(spec.enablePDB == true)
        #expect(spec.storage?.resizeInUseVolumes == true)
        #expect(spec.affinity?.podAntiAffinityType == "preferred")
        let initdb = try #require(spec.bootstrap?.initdb)
        #expect(initdb.database == "app")
        #expect(initdb.owner == "app")
        #expect(initdb.encoding == "UTF8")
        #expect(initdb.localeCollate == "C")
        #expect(initdb.localeCType == "C")
        #expect(spec.replicationSlots?.highAvailability == ReplicationSlotsHAConfiguration(enabled: true, slotPrefix: "_cnpg_"))
        #expect(spec.replicationSlots?.updateInterval == 30)
        #expect(spec.replicationSlots?.synchronizeReplicas?.enabled == true)
        #expect(spec.postgresql?.synchronous?.dataDurability == "required")
        #expect(spec.monitoring?.customQueriesConfigMap == [KeySelector(name: "cnpg-default-monitoring", key: "queries")])
        #expect(spec.probes?.liveness?.isolationCheck == IsolationCheckConfiguration(enabled: true, requestTimeout: 1000, connectionTimeout: 1000))
        let parameters = try #require(spec.postgresql?.parameters)
        for (key, value) in PostgresParameters.defaults {
            #expect(parameters[key] == value, "parameter \(key)")
        }
        #expect(parameters["archive_mode"] == "on")
        #expect(parameters["ssl_min_protocol_version"] == "TLSv1.3")
    }

    @Test func userValuesWinOverDefaults() throws {
        let documents = try TestPaths.cnpgSampleDocuments().filter { $0.file == "cluster-example-full.yaml" }
        let cluster = try decodeDefaultedCluster(try review(try #require(documents.first).value))
        #expect(cluster.spec.startDelay == 300)
        #expect(cluster.spec.enableSuperuserAccess == true)
        #expect(cluster.spec.postgresql?.parameters?["shared_buffers"] == "256MB")
        #expect(cluster.spec.backup?.target == "prefer-standby")
        #expect(cluster.spec.affinity?.topologyKey == "failure-domain.beta.kubernetes.io/zone")
        #expect(cluster.spec.bootstrap?.initdb?.secret?.name == "cluster-example-app-user")
    }

    @Test func tablespaceOwnerDefaultsToTheApplicationOwner() throws {
        let report = try review(
            try clusterDocument(
                """
                instances: 1
                storage: {size: 1Gi}
                bootstrap: {initdb: {database: shop, owner: clerk}}
                tablespaces:
                - name: fast
                  storage: {size: 1Gi}
                """))
        let cluster = try decodeDefaultedCluster(report)
        #expect(cluster.spec.tablespaces?.first?.owner?.name == "clerk")
        #expect(cluster.spec.tablespaces?.first?.temporary == false)
    }

    @Test func defaultingIsIdempotent() throws {
        for (file, document) in try TestPaths.cnpgSampleDocuments() {
            let first = try review(document)
            let second = try review(try #require(first.defaulted))
            #expect(first.defaulted == second.defaulted, "\(file)")
        }
    }

    @Test func replicaClusterArchivesAlways() throws {
        let report = try review(
            try clusterDocument(
                """
                instances: 1
                storage: {size: 1Gi}
                bootstrap: {pg_basebackup: {source: origin}}
                replica: {enabled: true, source: origin}
                externalClusters:
                - name: origin
                  connectionParameters: {host: origin-rw}
                """))
        #expect(report.errors.isEmpty, "\(report.errors)")
        let cluster = try decodeDefaultedCluster(report)
        #expect(cluster.spec.postgresql?.parameters?["archive_mode"] == "always")
        #expect(cluster.spec.bootstrap?.pg_basebackup?.database == "app")
        #expect(cluster.spec.bootstrap?.initdb == nil)
    }
}
