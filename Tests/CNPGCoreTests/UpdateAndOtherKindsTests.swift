import CNPGCore
import Testing

@Suite struct ClusterUpdateTests {
    private func update(from oldSpec: String, to newSpec: String) throws -> Admission.Report {
        try review(try clusterDocument(newSpec), old: try clusterDocument(oldSpec))
    }

    @Test func unchangedUpdateIsValid() throws {
        let spec = "instances: 3\nstorage: {size: 1Gi}\npostgresql: {synchronous: {method: any, number: 1}}"
        #expect(try update(from: spec, to: spec).errors.isEmpty)
    }

    @Test(arguments: [
        ("instances: 1\nstorage: {size: 2Gi}", "instances: 1\nstorage: {size: 1Gi}", "spec.storage.size"),
        ("instances: 1\nstorage: {size: 1Gi}\nwalStorage: {size: 1Gi}", "instances: 1\nstorage: {size: 1Gi}", "spec.walStorage"),
        ("instances: 1\nstorage: {size: 1Gi}\nwalStorage: {size: 2Gi}", "instances: 1\nstorage: {size: 1Gi}\nwalStorage: {size: 1Gi}", "spec.walStorage.size"),
        ("instances: 1\nstorage: {size: 1Gi}", "instances: 1\nstorage: {size: 1Gi}\npostgresUID: 1000", "spec.postgresUID"),
        ("instances: 1\nstorage: {size: 1Gi}", "instances: 1\nstorage: {size: 1Gi}\npostgresGID: 1000", "spec.postgresGID"),
        ("instances: 1\nstorage: {size: 1Gi}\nserviceAccountName: a", "instances: 1\nstorage: {size: 1Gi}\nserviceAccountName: b", "spec.serviceAccountName"),
        ("instances: 1\nstorage: {size: 1Gi}\ntablespaces: [{name: fast, storage: {size: 1Gi}}]", "instances: 1\nstorage: {size: 1Gi}", "spec.tablespaces"),
        (
            "instances: 1\nstorage: {size: 1Gi}\ntablespaces: [{name: fast, storage: {size: 2Gi}}]",
            "instances: 1\nstorage: {size: 1Gi}\ntablespaces: [{name: fast, storage: {size: 1Gi}}]", "spec.tablespaces[0].storage.size"
        ),
        (
            "instances: 1\nstorage: {size: 1Gi}",
            "instances: 1\nstorage: {size: 1Gi}\npostgresql: {parameters: {wal_level: minimal, archive_mode: 'on', max_wal_senders: '0'}}",
            "spec.postgresql.parameters[wal_level]"
        ),
        ("instances: 1\nstorage: {size: 1Gi}\nimageName: postgres:17", "instances: 1\nstorage: {size: 1Gi}\nimageName: postgres:16", "spec.imageName"),
        ("instances: 1\nstorage: {size: 1Gi}\nimageName: postgres:13", "instances: 1\nstorage: {size: 1Gi}\nimageName: postgres:15", "spec.imageName"),
        (
            "instances: 2\nstorage: {size: 1Gi}\nprimaryUpdateMethod: switchover\nimageName: postgres:17.1",
            "instances: 2\nstorage: {size: 1Gi}\nprimaryUpdateMethod: switchover\nimageName: postgres:17.2\npostgresql: {parameters: {work_mem: 8MB}}",
            "spec.imageName"
        ),
        (
            "instances: 1\nstorage: {size: 1Gi}\nreplicationSlots: {highAvailability: {slotPrefix: _a_}}",
            "instances: 1\nstorage: {size: 1Gi}\nreplicationSlots: {highAvailability: {slotPrefix: _b_}}", "spec.replicationSlots.highAvailability.slotPrefix"
        ),
    ])
    func rejectsForbiddenChanges(old: String, new: String, path: String) throws {
        let report = try update(from: old, to: new)
        #expect(report.errors.contains { $0.path == path }, "errors were: \(report.errors.map(\.description))")
    }

    @Test func growingStorageAndMinorUpgradesAreAllowed() throws {
        let report = try update(
            from: "instances: 1\nstorage: {size: 1Gi}\nimageName: postgres:17.1",
            to: "instances: 1\nstorage: {size: 2Gi}\nimageName: postgres:17.2")
        #expect(report.errors.isEmpty, "\(report.errors)")
    }

    @Test func replicaBootstrapRuleAppliesOnCreateOnly() throws {
        let replica = """
            instances: 1
            storage: {size: 1Gi}
            replica: {enabled: true, source: origin}
            externalClusters: [{name: origin, connectionParameters: {host: o}}]
            """
        #expect(try review(try clusterDocument(replica)).errors.contains { $0.path == "spec.bootstrap" })
        #expect(try update(from: replica, to: replica).errors.isEmpty)
    }
}

@Suite struct OtherKindsTests {
    private func document(_ text: String) throws -> JSONValue {
        try #require(try YAMLLoader.documents(from: text).first).value
    }

    @Test(arguments: [
        ("spec: {cluster: {name: c}}", "spec.pgbouncer"),
        ("spec: {cluster: {name: p}, pgbouncer: {}}", "spec.cluster.name"),
        ("spec: {cluster: {name: c}, type: rx, pgbouncer: {}}", "spec.type"),
        ("spec: {cluster: {name: c}, pgbouncer: {poolMode: statement}}", "spec.pgbouncer.poolMode"),
        ("spec: {cluster: {name: c}, pgbouncer: {parameters: {listen_port: '6432'}}}", "spec.pgbouncer.parameters[listen_port]"),
        ("spec: {cluster: {name: c}, pgbouncer: {authQuerySecret: {name: s}}}", "spec.pgbouncer.authQuery"),
        ("spec: {cluster: {name: c}, pgbouncer: {authQuery: 'SELECT 1'}}", "spec.pgbouncer.authQuerySecret"),
        ("spec: {cluster: {name: c}, pgbouncer: {image: i, imageCatalogRef: {kind: ImageCatalog, name: n, key: k}}}", "spec.pgbouncer.imageCatalogRef"),
        ("spec: {cluster: {name: c}, monitoring: {enablePodMonitor: true, tls: {enabled: true}}, pgbouncer: {}}", "spec.pgbouncer.clientTLSSecret"),
    ])
    func invalidPoolers(spec: String, path: String) throws {
        let report = try review(try document("apiVersion: postgresql.cnpg.io/v1\nkind: Pooler\nmetadata: {name: p}\n\(spec)\n"))
        #expect(report.errors.contains { $0.path == path }, "errors were: \(report.errors.map(\.description))")
    }

    @Test(arguments: [
        ("Backup", "spec: {cluster: {name: c}, method: copy}", "spec.method"),
        ("Backup", "spec: {cluster: {name: c}, online: true}", "spec.online"),
        ("Backup", "spec: {cluster: {name: c}, method: plugin}", "spec.pluginConfiguration"),
        ("Backup", "spec: {target: primary}", "spec.cluster"),
        ("ScheduledBackup", "spec: {cluster: {name: c}, schedule: 'every day'}", "spec.schedule"),
        ("ScheduledBackup", "spec: {cluster: {name: c}, schedule: '0 0 25 * * *'}", "spec.schedule"),
        ("ScheduledBackup", "spec: {cluster: {name: c}, schedule: '0 0 0 * * *', backupOwnerReference: parent}", "spec.backupOwnerReference"),
        ("ScheduledBackup", "spec: {cluster: {name: c}, schedule: '0 0 0 * * *', onlineConfiguration: {waitForArchive: true}}", "spec.onlineConfiguration"),
        ("ScheduledBackup", "spec: {cluster: {name: c}}", "spec.schedule"),
    ])
    func invalidBackups(kind: String, spec: String, path: String) throws {
        let report = try review(try document("apiVersion: postgresql.cnpg.io/v1\nkind: \(kind)\nmetadata: {name: b}\n\(spec)\n"))
        #expect(report.errors.contains { $0.path == path }, "errors were: \(report.errors.map(\.description))")
    }

    @Test func backupSpecIsImmutable() throws {
        let old = try document("apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata: {name: b}\nspec: {cluster: {name: c}}\n")
        let new = try document("apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata: {name: b}\nspec: {cluster: {name: d}}\n")
        #expect(try review(new, old: old).errors.contains { $0.path == "spec" })
        #expect(try review(old, old: old).errors.isEmpty)
    }

    @Test func poolerClusterIsImmutable() throws {
        let old = try document("apiVersion: postgresql.cnpg.io/v1\nkind: Pooler\nmetadata: {name: p}\nspec: {cluster: {name: c}, pgbouncer: {}}\n")
        let new = try document("apiVersion: postgresql.cnpg.io/v1\nkind: Pooler\nmetadata: {name: p}\nspec: {cluster: {name: d}, pgbouncer: {}}\n")
        #expect(try review(new, old: old).errors.contains { $0.path == "spec.cluster.name" })
    }

    @Test func otherKindsAndVersionsAreNotReviewed() throws {
        guard case .skipped = Admission.review(try document("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n")) else {
            Issue.record("a Secret must be skipped")
            return
        }
        let report = try review(try document("apiVersion: postgresql.cnpg.io/v2\nkind: Cluster\nmetadata: {name: c}\nspec: {}\n"))
        #expect(report.errors.map(\.path) == ["apiVersion"])
    }
}

@Suite struct CronScheduleTests {
    @Test(arguments: ["0 0 0 * * *", "*/30 * * * * *", "0 15 10 * * MON-FRI", "0 0 12 1 JAN *", "@daily", "@every 1h30m", "0 0 * * *", "0 0-30/10 * * * ?"])
    func acceptsRobfigSchedules(text: String) {
        #expect((try? CronSchedule.parse(text).get()) != nil)
    }

    @Test(arguments: [
        "", "* * *", "60 * * * * *", "0 0 0 32 * *", "0 0 0 * 13 *", "0 0 0 * * 8", "@sometimes", "@every never", "0 0 0 * * MON-", "*/0 * * * * *",
    ])
    func rejectsInvalidSchedules(text: String) {
        #expect((try? CronSchedule.parse(text).get()) == nil)
    }

    @Test func expandsFieldsAndCountsThem() throws {
        let schedule = try CronSchedule.parse("0 */15 9-10 * * 1,3").get()
        #expect(schedule.fieldCount == 6)
        #expect(schedule.fields[1] == [0, 15, 30, 45])
        #expect(schedule.fields[2] == [9, 10])
        #expect(schedule.fields[5] == [1, 3])
        #expect(try CronSchedule.parse("0 0 * * *").get().fieldCount == 5)
    }
}
