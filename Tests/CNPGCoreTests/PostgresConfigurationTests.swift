import CNPGCore
import Foundation
import Testing

private func cluster(_ spec: String, name: String = "cluster-example") throws -> Cluster {
    let report = try review(try clusterDocument(spec, name: name))
    #expect(report.errors.isEmpty, "\(report.errors)")
    return try decodeDefaultedCluster(report)
}

@Suite struct SQLQuotingTests {
    @Test func quotesIdentifiersAndLiterals() throws {
        #expect(try SQLQuoting.identifier("app") == "\"app\"")
        #expect(try SQLQuoting.identifier("a\"b; DROP TABLE x") == "\"a\"\"b; DROP TABLE x\"")
        #expect(try SQLQuoting.literal("it's") == "'it''s'")
        #expect(try SQLQuoting.literal("back\\slash'") == "E'back\\\\slash'''")
        #expect(throws: SQLQuoting.UnsafeText.self) { try SQLQuoting.identifier("") }
        #expect(throws: SQLQuoting.UnsafeText.self) { try SQLQuoting.literal("a\0b") }
    }

    @Test func quotesConfigurationValuesAndRefusesLineBreaks() throws {
        #expect(try SQLQuoting.configurationValue("on") == "'on'")
        #expect(try SQLQuoting.configurationValue("a'b\\c") == "'a''b\\\\c'")
        for bad in ["4MB\nssl = off", "x\ry", "nul\0"] {
            #expect(throws: SQLQuoting.UnsafeText.self) { try SQLQuoting.configurationValue(bad) }
        }
    }
}

@Suite struct HostBasedAccessTests {
    @Test func rulesComeInCNPGsOrder() throws {
        let value = try cluster(
            """
            instances: 1
            storage: {size: 1Gi}
            podSelectorRefs: [{name: apps, selector: {matchLabels: {app: web}}}]
            postgresql:
              pg_hba: ['hostssl app all ${podselector:apps} scram-sha-256', 'hostssl all all 10.0.0.0/8 cert']
              ldap: {server: 'ldap.example.com', bindAsAuth: {prefix: 'uid=', suffix: ',dc=example'}}
            """)
        let text = HostBasedAccess.pgHBA(cluster: value, majorVersion: 16, podSelectorIPs: ["apps": ["10.1.2.3", "fd00::1"]])
        let rules = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map(String.init)
        #expect(
            rules == HostBasedAccess.fixedRules + [
                "hostssl app all 10.1.2.3/32 scram-sha-256",
                "hostssl app all fd00::1/128 scram-sha-256",
                "hostssl all all 10.0.0.0/8 cert",
                "host all all 0.0.0.0/0 ldap ldapserver=\"ldap.example.com\" ldapprefix=\"uid=\" ldapsuffix=\",dc=example\"",
                "hostssl all all all scram-sha-256",
            ])
    }

    @Test func unresolvedSelectorsAreCommentedOut() throws {
        let value = try cluster(
            """
            instances: 1
            storage: {size: 1Gi}
            podSelectorRefs: [{name: apps, selector: {matchLabels: {app: web}}}]
            postgresql: {pg_hba: ['host all all ${podselector:apps} scram-sha-256']}
            """)
        let text = HostBasedAccess.pgHBA(cluster: value, majorVersion: 16)
        #expect(text.contains("# host all all ${podselector:apps} scram-sha-256 # podSelectorRef apps has no resolved addresses"))
        #expect(HostBasedAccess.pgHBA(cluster: value, majorVersion: 13).contains("\nhostssl all all all md5\n"))
    }

    @Test func identMapsTheOSUser() throws {
        let value = try cluster("instances: 1\nstorage: {size: 1Gi}\npostgresql: {pg_ident: ['mymap alice app']}")
        #expect(
            HostBasedAccess.pgIdent(cluster: value, osUser: "pg") == """
                local pg postgres
                cnpg_streaming_replica streaming_replica streaming_replica
                cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer
                cnpg_metrics_exporter pg cnpg_metrics_exporter
                mymap alice app

                """)
    }
}

@Suite struct PostgresConfigurationRendererTests {
    @Test func renderedDefaultsYieldToTheUserAndStayOutOfTheSpec() throws {
        let tuned = try cluster("instances: 1\nstorage: {size: 1Gi}\npostgresql: {parameters: {wal_retrieve_retry_interval: 5s}}")
        let parameters = PostgresConfigurationRenderer.parameters(
            cluster: tuned, majorVersion: 16,
            topology: InstanceTopology(primary: "cluster-example-1"))
        #expect(parameters["wal_retrieve_retry_interval"] == "5s")
        let plain = try cluster("instances: 1\nstorage: {size: 1Gi}")
        #expect(plain.spec.postgresql?.parameters?["wal_retrieve_retry_interval"] == nil, "not one of CNPG's spec defaults")
    }

    @Test func mandatoryAndComputedSettingsWin() throws {
        let value = try cluster(
            """
            instances: 3
            storage: {size: 1Gi}
            postgresql:
              parameters: {work_mem: 8MB, pg_stat_statements.max: '1000', max_worker_processes: '16'}
              shared_preload_libraries: [timescaledb]
              synchronous: {method: any, number: 1}
            tablespaces: [{name: scratch, temporary: true, storage: {size: 1Gi}}]
            """)
        let parameters = PostgresConfigurationRenderer.parameters(
            cluster: value, majorVersion: 17,
            topology: InstanceTopology(primary: "cluster-example-1", healthyStandbys: ["cluster-example-3", "cluster-example-2"]))
        #expect(parameters["work_mem"] == "8MB")
        #expect(parameters["max_worker_processes"] == "16")
        #expect(parameters["wal_retrieve_retry_interval"] == "1s", "standbys retry a lost primary every second")
        #expect(parameters["listen_addresses"] == "*")
        #expect(parameters["ssl_min_protocol_version"] == "TLSv1.3")
        #expect(parameters["archive_mode"] == "on")
        #expect(parameters["allow_alter_system"] == "off")
        #expect(parameters["cluster_name"] == "cluster-example")
        #expect(parameters["shared_preload_libraries"] == "timescaledb,pg_stat_statements")
        #expect(parameters["temp_tablespaces"] == "scratch")
        #expect(parameters["synchronous_standby_names"] == "ANY 1 (\"cluster-example-2\",\"cluster-example-3\",\"cluster-example-1\")")
        #expect(
            parameters["cnpg.synchronous_standby_names_metadata"]
                == #"{"method":"ANY","number":1,"standbyNames":["cluster-example-2","cluster-example-3","cluster-example-1"]}"#)
    }

    @Test func synchronousNamesFollowDurabilityAndLegacySettings() throws {
        let preferred = try cluster("instances: 3\nstorage: {size: 1Gi}\npostgresql: {synchronous: {method: first, number: 2, dataDurability: preferred}}")
        let onlyOne = InstanceTopology(primary: "c-1", healthyStandbys: ["c-2"], otherStandbys: ["c-3"])
        #expect(PostgresConfigurationRenderer.synchronousStandbyNames(cluster: preferred, topology: onlyOne)?.value == "FIRST 1 (\"c-2\")")
        #expect(PostgresConfigurationRenderer.synchronousStandbyNames(cluster: preferred, topology: InstanceTopology(primary: "c-1")) == nil)

        let required = try cluster("instances: 3\nstorage: {size: 1Gi}\npostgresql: {synchronous: {method: any, number: 1, standbyNamesPre: [remote]}}")
        #expect(
            PostgresConfigurationRenderer.synchronousStandbyNames(cluster: required, topology: onlyOne)?.value
                == "ANY 1 (\"remote\",\"c-2\",\"c-3\",\"c-1\")")

        let legacy = try cluster("instances: 3\nstorage: {size: 1Gi}\nminSyncReplicas: 1\nmaxSyncReplicas: 2")
        let twoHealthy = InstanceTopology(primary: "c-1", healthyStandbys: ["c-3", "c-2"])
        #expect(PostgresConfigurationRenderer.synchronousStandbyNames(cluster: legacy, topology: twoHealthy)?.value == "ANY 2 (\"c-2\",\"c-3\")")
        #expect(PostgresConfigurationRenderer.synchronousStandbyNames(cluster: legacy, topology: onlyOne)?.value == "ANY 1 (\"c-2\")")
        #expect(PostgresConfigurationRenderer.synchronousStandbyNames(cluster: legacy, topology: InstanceTopology(primary: "c-1")) == nil)
    }

    @Test func customConfEndsWithTheHashOfTheRegularPart() throws {
        let value = try cluster("instances: 1\nstorage: {size: 1Gi}\npostgresql: {parameters: {application_name: \"it's\"}}")
        let text = try PostgresConfigurationRenderer.customConf(cluster: value, majorVersion: 16, topology: InstanceTopology(primary: "c-1"))
        let lines = text.split(separator: "\n")
        #expect(lines.contains("application_name = 'it''s'"))
        #expect(lines.last?.hasPrefix("cnpg.config_sha256 = '") == true)
        #expect(!text.contains("allow_alter_system"))
    }

    @Test func slotNamesAreSanitised() {
        #expect(PostgresConfigurationRenderer.replicationSlotName(instance: "cluster-example-1") == "_cnpg_cluster_example_1")
        #expect(PostgresConfigurationRenderer.replicationSlotName(prefix: "_x_", instance: "My--Pod.2") == "_x_my_pod_2")
    }

    @Test func passwordsAreLongMixedAndRandom() {
        var seen: Set<String> = []
        for _ in 0..<50 {
            let password = PasswordGenerator.generate()
            #expect(password.count == 64)
            #expect(password.filter(\.isNumber).count >= 10)
            #expect(password.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
            seen.insert(password)
        }
        #expect(seen.count == 50)
    }

    @Test func scramVerifiersHavePostgresFormat() {
        let verifier = SCRAMSHA256.verifier(password: "secret", salt: Array(repeating: 1, count: 16))
        #expect(SCRAMSHA256.isVerifier(verifier))
        #expect(verifier.hasPrefix("SCRAM-SHA-256$4096:AQEBAQEBAQEBAQEBAQEBAQ==$"))
        #expect(SCRAMSHA256.verifier(password: "secret", salt: Array(repeating: 1, count: 16)) == verifier)
        #expect(SCRAMSHA256.verifier(password: "secret") != SCRAMSHA256.verifier(password: "secret"))
        #expect(!SCRAMSHA256.isVerifier("md5abc"))
    }
}
