import CNPGCore
import Testing

/// One invalid Cluster and the field path its error must carry.
struct InvalidClusterCase: CustomTestStringConvertible, Sendable {
    var spec: String
    var path: String
    var name = "cluster-example"
    var annotations: [String: String] = [:]
    var testDescription: String { path }
}

private let storage = "storage: {size: 1Gi}"

let invalidClusters: [InvalidClusterCase] = [
    InvalidClusterCase(spec: "instances: 1\n\(storage)", path: "metadata.name", name: "Cluster_Example"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)", path: "metadata.name", name: String(repeating: "a", count: 51)),
    InvalidClusterCase(spec: "instances: 0\n\(storage)", path: "spec.instances"),
    InvalidClusterCase(spec: "instances: three\n\(storage)", path: "spec.instances"),
    InvalidClusterCase(spec: "instances: 1", path: "spec.storage.size"),
    InvalidClusterCase(spec: "instances: 1\nstorage: {size: 1GB}", path: "spec.storage.size"),
    InvalidClusterCase(spec: "instances: 1\nstorage: {size: '0'}", path: "spec.storage.size"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nwalStorage: {storageClass: fast}", path: "spec.walStorage.size"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nimageName: postgres:latest", path: "spec.imageName"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nimageName: postgres@sha256:abcdef", path: "spec.imageName"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nimageName: ghcr.io/cloudnative-pg/postgresql:12.4", path: "spec.imageName"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nimageName: postgres:bookworm", path: "spec.imageName"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nimageName: postgres:16\nimageCatalogRef: {apiGroup: postgresql.cnpg.io, kind: ImageCatalog, name: c, major: 16}",
        path: "spec.imageCatalogRef"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nimageCatalogRef: {apiGroup: postgresql.cnpg.io, kind: Catalog, name: c, major: 16}", path: "spec.imageCatalogRef.kind"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nimagePullPolicy: Sometimes", path: "spec.imagePullPolicy"),
    InvalidClusterCase(spec: "instances: 3\n\(storage)\nminSyncReplicas: 2\nmaxSyncReplicas: 1", path: "spec.minSyncReplicas"),
    InvalidClusterCase(spec: "instances: 2\n\(storage)\nmaxSyncReplicas: 2", path: "spec.maxSyncReplicas"),
    InvalidClusterCase(
        spec: "instances: 3\n\(storage)\nmaxSyncReplicas: 1\npostgresql: {synchronous: {method: any, number: 1}}", path: "spec.postgresql.synchronous"),
    InvalidClusterCase(spec: "instances: 2\n\(storage)\npostgresql: {synchronous: {method: any, number: 2}}", path: "spec.postgresql.synchronous.number"),
    InvalidClusterCase(spec: "instances: 2\n\(storage)\npostgresql: {synchronous: {method: some, number: 1}}", path: "spec.postgresql.synchronous.method"),
    InvalidClusterCase(
        spec: "instances: 3\n\(storage)\npostgresql: {synchronous: {method: any, number: 1, dataDurability: preferred, standbyNamesPre: [a]}}",
        path: "spec.postgresql.synchronous"),
    InvalidClusterCase(
        spec: "instances: 3\n\(storage)\npostgresql: {synchronous: {method: any, number: 1, podFailureDomainKeys: [a], nodeFailureDomainKeys: [b]}}",
        path: "spec.postgresql.synchronous"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nprimaryUpdateStrategy: supervised", path: "spec.primaryUpdateStrategy"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nprimaryUpdateMethod: recreate", path: "spec.primaryUpdateMethod"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nlogLevel: verbose", path: "spec.logLevel"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\npostgresql: {parameters: {listen_addresses: '*'}}", path: "spec.postgresql.parameters[listen_addresses]"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\npostgresql: {parameters: {port: '5433'}}", path: "spec.postgresql.parameters[port]"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\npostgresql: {parameters: {archive_mode: 'off'}}", path: "spec.postgresql.parameters[archive_mode]"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\npostgresql: {parameters: {'bad-name': '1'}}", path: "spec.postgresql.parameters[bad-name]"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\npostgresql: {parameters: {wal_level: archive}}", path: "spec.postgresql.parameters[wal_level]"),
    InvalidClusterCase(
        spec: "instances: 2\n\(storage)\npostgresql: {parameters: {wal_level: minimal, max_wal_senders: '0'}}", path: "spec.postgresql.parameters[wal_level]"),
    InvalidClusterCase(spec: "instances: 2\n\(storage)\npostgresql: {parameters: {wal_log_hints: 'off'}}", path: "spec.postgresql.parameters[wal_log_hints]"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\npostgresql: {parameters: {hot_standby_feedback: maybe}}", path: "spec.postgresql.parameters[hot_standby_feedback]"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\npostgresql: {parameters: {shared_buffers: lots}}", path: "spec.postgresql.parameters[shared_buffers]"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\npostgresql: {parameters: {min_wal_size: 2GB, max_wal_size: 1GB}}", path: "spec.postgresql.parameters[min_wal_size]"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nwalStorage: {size: 1Gi}\npostgresql: {parameters: {max_wal_size: 2GB}}",
        path: "spec.postgresql.parameters[max_wal_size]"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\npostgresql: {parameters: {pg_failover_slots.synchronize_slot_names: 'name_like:%'}}",
        path: "spec.postgresql.parameters[hot_standby_feedback]"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\npostgresql: {ldap: {port: 389}}", path: "spec.postgresql.ldap.server"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\npostgresql: {ldap: {server: ldap.example.com, bindAsAuth: {prefix: a}, bindSearchAuth: {baseDN: b}}}",
        path: "spec.postgresql.ldap"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\npostgresql: {ldap: {server: ldap.example.com, scheme: ftp}}", path: "spec.postgresql.ldap.scheme"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\npostgresql: {pg_hba: ['host all all ${podselector:apps} scram-sha-256']}", path: "spec.postgresql.pg_hba[0]"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\npodSelectorRefs:\n- {name: Apps, selector: {matchLabels: {a: b}}}", path: "spec.podSelectorRefs[0].name"),
    InvalidClusterCase(
        spec: "instances: 3\n\(storage)\npostgresql: {syncReplicaElectionConstraint: {enabled: true}}",
        path: "spec.postgresql.syncReplicaElectionConstraint.nodeLabelsAntiAffinity"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nbootstrap: {initdb: {database: app, owner: app}, recovery: {source: x}}", path: "spec.bootstrap"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nbootstrap: {initdb: {walSegmentSize: 3}}", path: "spec.bootstrap.initdb.walSegmentSize"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nbootstrap: {initdb: {walSegmentSize: 2048}}", path: "spec.bootstrap.initdb.walSegmentSize"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nbootstrap: {initdb: {icuLocale: en-US}}", path: "spec.bootstrap.initdb.icuLocale"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nbootstrap: {initdb: {postInitApplicationSQLRefs: {secretRefs: [{name: s, key: ''}]}}}",
        path: "spec.bootstrap.initdb.postInitApplicationSQLRefs.secretRefs[0].key"),
    InvalidClusterCase(
        spec:
            "instances: 1\n\(storage)\nbootstrap: {initdb: {import: {type: microservice, databases: [a, b], source: {externalCluster: old}}}}\nexternalClusters: [{name: old, connectionParameters: {host: old}}]",
        path: "spec.bootstrap.initdb.import.databases"),
    InvalidClusterCase(
        spec:
            "instances: 1\n\(storage)\nbootstrap: {initdb: {import: {type: monolith, databases: ['*', b], source: {externalCluster: old}}}}\nexternalClusters: [{name: old, connectionParameters: {host: old}}]",
        path: "spec.bootstrap.initdb.import.databases"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nbootstrap: {initdb: {import: {type: microservice, databases: [a], source: {externalCluster: missing}}}}",
        path: "spec.bootstrap.initdb.import.source.externalCluster"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nbootstrap: {recovery: {source: missing}}", path: "spec.bootstrap.recovery.source"),
    InvalidClusterCase(
        spec:
            "instances: 1\n\(storage)\nbootstrap: {recovery: {backup: {name: b}, volumeSnapshots: {storage: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: s}}}}",
        path: "spec.bootstrap.recovery.volumeSnapshots"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nbootstrap: {recovery: {volumeSnapshots: {storage: {kind: ConfigMap, name: s}}}}",
        path: "spec.bootstrap.recovery.volumeSnapshots.storage"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nbootstrap: {recovery: {backup: {name: b}, recoveryTarget: {targetLSN: 'zz/1'}}}",
        path: "spec.bootstrap.recovery.recoveryTarget.targetLSN"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nbootstrap: {recovery: {backup: {name: b}, recoveryTarget: {targetTLI: '0'}}}",
        path: "spec.bootstrap.recovery.recoveryTarget.targetTLI"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nbootstrap: {recovery: {backup: {name: b}, recoveryTarget: {targetXID: '12', targetName: n, backupID: x}}}",
        path: "spec.bootstrap.recovery.recoveryTarget"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nbootstrap: {recovery: {backup: {name: b}, recoveryTarget: {targetName: before-upgrade}}}",
        path: "spec.bootstrap.recovery.recoveryTarget.backupID"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nbootstrap: {recovery: {backup: {name: b}, recoveryTarget: {targetTime: yesterday}}}",
        path: "spec.bootstrap.recovery.recoveryTarget.targetTime"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nbootstrap: {pg_basebackup: {source: missing}}", path: "spec.bootstrap.pg_basebackup.source"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nreplica: {enabled: true, source: origin}\nexternalClusters: [{name: origin, connectionParameters: {host: o}}]",
        path: "spec.bootstrap"),
    InvalidClusterCase(
        spec:
            "instances: 1\n\(storage)\nbootstrap: {pg_basebackup: {source: origin}}\nreplica: {enabled: true, primary: origin, source: origin}\nexternalClusters: [{name: origin, connectionParameters: {host: o}}]",
        path: "spec.replica.enabled"),
    InvalidClusterCase(
        spec:
            "instances: 1\n\(storage)\nreplica: {enabled: false, source: origin, promotionToken: not-base64!}\nexternalClusters: [{name: origin, connectionParameters: {host: o}}]",
        path: "spec.replica.promotionToken"),
    InvalidClusterCase(
        spec:
            "instances: 1\n\(storage)\nreplica: {enabled: false, source: origin, minApplyDelay: soon}\nexternalClusters: [{name: origin, connectionParameters: {host: o}}]",
        path: "spec.replica.minApplyDelay"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nexternalClusters: [{name: a, connectionParameters: {host: a}}, {name: a, connectionParameters: {host: b}}]",
        path: "spec.externalClusters[1].name"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nexternalClusters: [{name: a}]", path: "spec.externalClusters[0]"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nexternalClusters: [{name: '../etc', connectionParameters: {host: a}}]", path: "spec.externalClusters[0].name"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nexternalClusters: [{name: a, connectionParameters: {host: a}, password: {name: s, key: ../x}}]",
        path: "spec.externalClusters[0].password.key"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nsuperuserSecret: {name: ''}", path: "spec.superuserSecret.name"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\ncertificates: {serverTLSSecret: my-tls}", path: "spec.certificates.serverCASecret"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\ncertificates: {serverTLSSecret: my-tls, serverCASecret: my-ca, serverAltDNSNames: [db.example.com]}",
        path: "spec.certificates.serverAltDNSNames"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\ncertificates: {replicationTLSSecret: my-repl}", path: "spec.certificates.clientCASecret"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nserviceAccountName: Bad_Name", path: "spec.serviceAccountName"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nserviceAccountName: sa\nserviceAccountTemplate: {metadata: {labels: {a: b}}}", path: "spec.serviceAccountName"),
    InvalidClusterCase(
        spec:
            "instances: 1\n\(storage)\nephemeralVolumeSource: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce]}}}\nephemeralVolumesSizeLimit: {temporaryData: 1Gi}",
        path: "spec.ephemeralVolumeSource"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nresources: {requests: {memory: 2Gi}, limits: {memory: 1Gi}}", path: "spec.resources.requests[memory]"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nresources: {requests: {cpu: '2'}, limits: {cpu: 1500m}}", path: "spec.resources.requests[cpu]"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nresources: {requests: {memory: 1Gi, hugepages-2Mi: 1Gi}, limits: {hugepages-2Mi: 2Gi}}",
        path: "spec.resources.requests[hugepages-2Mi]"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nresources: {requests: {memory: 128Mi}}\npostgresql: {parameters: {shared_buffers: 1GB}}",
        path: "spec.resources.requests.memory"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\naffinity: {podAntiAffinityType: sometimes}", path: "spec.affinity.podAntiAffinityType"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\naffinity: {tolerations: [{operator: Equal, value: x}]}", path: "spec.affinity.tolerations[0].operator"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\naffinity: {tolerations: [{key: k, operator: Exists, effect: NoSchedule, tolerationSeconds: 30}]}",
        path: "spec.affinity.tolerations[0].effect"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nbackup: {retentionPolicy: 30 days}", path: "spec.backup.retentionPolicy"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nbackup: {target: replica}", path: "spec.backup.target"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nbackup: {barmanObjectStore: {destinationPath: 's3://b/', s3Credentials: {accessKeyId: {name: c, key: k}}}}",
        path: "spec.backup.barmanObjectStore.s3Credentials.secretAccessKey"),
    InvalidClusterCase(
        spec:
            "instances: 1\n\(storage)\nbackup: {barmanObjectStore: {destinationPath: 's3://b/', s3Credentials: {inheritFromIAMRole: true}, googleCredentials: {gkeEnvironment: true}}}",
        path: "spec.backup.barmanObjectStore"),
    InvalidClusterCase(
        spec:
            "instances: 1\n\(storage)\nbackup: {barmanObjectStore: {destinationPath: 's3://b/', s3Credentials: {inheritFromIAMRole: true}, wal: {compression: rar}}}",
        path: "spec.backup.barmanObjectStore.wal.compression"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nbackup: {volumeSnapshot: {tablespaceClassName: {missing: fast}}}",
        path: "spec.backup.volumeSnapshot.tablespaceClassName[missing]"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nplugins: [{name: a, isWALArchiver: true}, {name: b, isWALArchiver: true}]", path: "spec.plugins[1].isWALArchiver"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nmanaged: {roles: [{name: postgres, login: true}]}", path: "spec.managed.roles[0].name"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nmanaged: {roles: [{name: app}, {name: app}]}", path: "spec.managed.roles[1].name"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nmanaged: {roles: [{name: app, connectionLimit: -2}]}", path: "spec.managed.roles[0].connectionLimit"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nmanaged: {roles: [{name: app, disablePassword: true, passwordSecret: {name: s}}]}",
        path: "spec.managed.roles[0].disablePassword"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nmanaged: {roles: [{name: app, ensure: maybe}]}", path: "spec.managed.roles[0].ensure"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nmanaged: {services: {disabledDefaultServices: [rw]}}", path: "spec.managed.services.disabledDefaultServices[0]"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nmanaged: {services: {additional: [{selectorType: rw, serviceTemplate: {metadata: {name: cluster-example-rw}}}]}}",
        path: "spec.managed.services.additional[0].serviceTemplate.metadata.name"),
    InvalidClusterCase(
        spec:
            "instances: 1\n\(storage)\nmanaged: {services: {additional: [{selectorType: rw, serviceTemplate: {metadata: {name: lb}, spec: {selector: {a: b}}}}]}}",
        path: "spec.managed.services.additional[0].serviceTemplate.spec.selector"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nenv: [{name: PGDATA, value: /tmp}]", path: "spec.env[0].name"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nenv: [{name: cnpg_debug, value: '1'}]", path: "spec.env[0].name"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\ntablespaces: [{name: pg_fast, storage: {size: 1Gi}}]", path: "spec.tablespaces[0].name"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\ntablespaces: [{name: fast, storage: {size: 1Gi}}, {name: FAST, storage: {size: 1Gi}}]",
        path: "spec.tablespaces[1].name"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\ntablespaces: [{name: fast, storage: {storageClass: x}}]", path: "spec.tablespaces[0].storage.size"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nreplicationSlots: {highAvailability: {slotPrefix: Bad-Prefix}}",
        path: "spec.replicationSlots.highAvailability.slotPrefix"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nreplicationSlots: {synchronizeReplicas: {enabled: true, excludePatterns: ['(']}}",
        path: "spec.replicationSlots.synchronizeReplicas.excludePatterns[0]"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nreplicationSlots: {updateInterval: 0}", path: "spec.replicationSlots.updateInterval"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nprimaryLease: {leaseDurationSeconds: 10, renewDeadlineSeconds: 10}", path: "spec.primaryLease.leaseDurationSeconds"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\nprimaryLease: {leaseDurationSeconds: 15, renewDeadlineSeconds: 3, retryPeriodSeconds: 3}",
        path: "spec.primaryLease.renewDeadlineSeconds"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nprobes: {readiness: {type: pg_isready, maximumLag: 16Mi}}", path: "spec.probes.readiness.maximumLag"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nprobes: {startup: {type: http}}", path: "spec.probes.startup.type"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\npostgresql: {extensions: [{name: postgis, image: {reference: img:1}, extension_control_path: [/abs]}]}",
        path: "spec.postgresql.extensions[0].extension_control_path[0]"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nmonitoring: {metricsQueriesTTL: often}", path: "spec.monitoring.metricsQueriesTTL"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\npostgresql: {parameters: {work_mem: \"4MB\\nshared_preload_libraries = 'evil'\"}}",
        path: "spec.postgresql.parameters[work_mem]"),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)\npostgresql: {pg_hba: [\"hostssl all all all cert\\nhost all all all trust\"]}", path: "spec.postgresql.pg_hba[0]"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\npostgresql: {pg_ident: [\"m a b\\rm c d\"]}", path: "spec.postgresql.pg_ident[0]"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nmanaged: {roles: [{name: \"app\\nx\"}]}", path: "spec.managed.roles[0].name"),
    InvalidClusterCase(spec: "instances: 1\n\(storage)", path: "metadata.annotations[cnpg.io/hibernation]", annotations: ["cnpg.io/hibernation": "maybe"]),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)", path: "metadata.annotations[alpha.cnpg.io/failoverQuorum]", annotations: ["alpha.cnpg.io/failoverQuorum": "true"]),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)", path: "metadata.annotations[alpha.cnpg.io/livenessPinger]", annotations: ["alpha.cnpg.io/livenessPinger": "{not json"]
    ),
    InvalidClusterCase(
        spec: "instances: 1\n\(storage)", path: "metadata.annotations[cnpg.io/podPatch]", annotations: ["cnpg.io/podPatch": "{\"op\": \"add\"}"]),
    InvalidClusterCase(spec: "instances: 1\n\(storage)\nunknownThing: {a: 1}\nstartDelay: soon", path: "spec.startDelay"),
]

@Suite struct ClusterValidationTests {
    @Test func thereAreAtLeastFortyDistinctInvalidSpecs() {
        #expect(Set(invalidClusters.map { $0.spec + $0.name + $0.annotations.description }).count == invalidClusters.count)
        #expect(invalidClusters.count >= 40)
    }

    @Test(arguments: invalidClusters)
    func rejectsWithTheExactFieldPath(_ testCase: InvalidClusterCase) throws {
        let document = try clusterDocument(testCase.spec, name: testCase.name, annotations: testCase.annotations)
        let report = try review(document)
        #expect(!report.isValid)
        #expect(report.errors.contains { $0.path == testCase.path }, "errors were: \(report.errors.map(\.description))")
    }

    @Test func reportsEveryErrorAtOnce() throws {
        let document = try clusterDocument(
            """
            instances: 1
            primaryUpdateStrategy: supervised
            postgresql: {parameters: {port: '1', listen_addresses: '*'}}
            env: [{name: POD_NAME, value: x}]
            """)
        let paths = Set(try review(document).errors.map(\.path))
        #expect(
            paths.isSuperset(of: [
                "spec.storage.size", "spec.primaryUpdateStrategy", "spec.postgresql.parameters[port]",
                "spec.postgresql.parameters[listen_addresses]", "spec.env[0].name",
            ]))
    }

    @Test func errorMessagesFollowKubernetesFormat() throws {
        let report = try review(try clusterDocument("instances: 0\nstorage: {size: 1Gi}\npostgresql: {parameters: {listen_addresses: '*'}}"))
        let lines = report.errors.map(\.description)
        #expect(lines.contains("spec.instances: Invalid value: 0: should be greater than or equal to 1"))
        #expect(lines.contains("spec.postgresql.parameters[listen_addresses]: Forbidden: Can't set fixed configuration parameter"))
    }

    @Test func fixedParametersAreAcceptedWithTheOperatorsValue() throws {
        let report = try review(
            try clusterDocument("instances: 1\nstorage: {size: 1Gi}\npostgresql: {parameters: {archive_mode: 'on', logging_collector: 'on'}}"))
        #expect(report.errors.isEmpty, "\(report.errors)")
    }

    @Test func unknownFieldsAreWarnedWithTheirPath() throws {
        let report = try review(try clusterDocument("instances: 1\nstorage: {size: 1Gi, speed: fast}\nfavouriteColour: blue"))
        #expect(report.isValid)
        #expect(Set(report.unknownFields) == ["spec.storage.speed", "spec.favouriteColour"])
    }

    @Test func validationCanBeDisabledByAnnotation() throws {
        let report = try review(
            try clusterDocument(
                "instances: 1\nstorage: {size: 1Gi}\nenv: [{name: PGDATA, value: x}]",
                annotations: ["cnpg.io/validation": "disabled"]))
        #expect(report.isValid)
        #expect(report.warnings.contains { $0.contains("disabled") })
    }

    @Test func secretValuesNeverAppearInErrors() throws {
        let token = "c2VjcmV0LXRva2VuLXZhbHVl!"
        let report = try review(
            try clusterDocument(
                """
                instances: 1
                storage: {size: 1Gi}
                replica: {enabled: false, source: origin, promotionToken: '\(token)'}
                externalClusters: [{name: origin, connectionParameters: {host: o}}]
                """))
        #expect(!report.isValid)
        #expect(!report.errors.map(\.description).joined().contains(token))
    }
}
