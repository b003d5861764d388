import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// The operator-only endpoints that change the instance itself, with real PostgreSQL: `PUT /update`
/// (online upgrade of the manager binary, PostgreSQL left running) and `/pg/archive/partial` (a
/// fenced primary hands its redo segment to wal-archive); and a manager started while its instance
/// is fenced leaves PostgreSQL stopped.
@Suite(.serialized) struct ManagerUpgradeTests {
    @Test func upgradeInPlaceAndPartialWAL() async throws {
        let harness = try await InstanceHarness()
        do {
            try await scenario(harness)
        } catch {
            Issue.record("\(error)\n\(harness.recentLogs)")
        }
        await harness.shutdown()
    }

    func status(_ harness: InstanceHarness) throws -> InstanceStatus? {
        let answer = try harness.statusAPI(1, "/pg/status")
        guard answer.status == 200 else { return nil }
        return try? ObjectCodec.decode(InstanceStatus.self, from: try JSONText.parse(answer.body))
    }

    func postmasterPID(_ harness: InstanceHarness) -> String? {
        (try? String(contentsOfFile: harness.dataDirectory(1) + "/postmaster.pid", encoding: .utf8))?.split(separator: "\n").first.map(String.init)
    }

    func scenario(_ harness: InstanceHarness) async throws {
        let primary = "\(harness.clusterName)-1"
        let runArguments = ["run", "--status-port-tls", "--status-port", String(harness.statusPort), "--metrics-port", "0", "--resync-seconds", "2"]
        let initialised = try await harness.manager(["init", "--app-db-name", "app", "--app-user", "app"], serial: 1, name: "\(primary)-initdb", wait: true)
        #expect(initialised == .exited(0), "\(harness.recentLogs)")
        try await harness.manager(runArguments, serial: 1, name: primary, wait: false)
        let ready = try await harness.eventually(60) { try harness.statusAPI(1, "/readyz").status == 200 }
        #expect(ready, "\(harness.recentLogs)")

        let operatorPair = try OperatorClientCertificate.generate(now: Date())
        let asOperator = [
            "--tlsv1.3", "--cert", try harness.write("operator.crt", operatorPair.certificatePEM),
            "--key", try harness.write("operator.key", operatorPair.privateKeyPEM),
        ]
        try await harness.setStatus([("operatorCertificateFingerprint", .string(try OperatorClientCertificate.fingerprint(of: operatorPair.certificate)))])
        let registered = try await harness.eventually(30) {
            try harness.https(1, port: harness.statusPort, "/pg/controldata", tls: asOperator).status == 200
        }
        #expect(registered, "\(harness.recentLogs)")
        try await checkUpgrade(harness, asOperator: asOperator, primary: primary)
        try await checkPartialArchive(harness, asOperator: asOperator)
        try await checkStartWhileFenced(harness, runArguments: runArguments, primary: primary)
    }

    func checkUpgrade(_ harness: InstanceHarness, asOperator: [String], primary: String) async throws {
        let before = try #require(try status(harness))
        let managerPID = try #require(harness.pid(of: primary))
        let postmaster = try #require(postmasterPID(harness))
        let startTime = try harness.localSQL(1, "SELECT pg_postmaster_start_time()").output
        let wrongMethod = try harness.https(1, port: harness.statusPort, "/update", tls: asOperator)
        #expect(wrongMethod.status == 405 && wrongMethod.body == "wrong method used", "\(wrongMethod)")

        // The new binary: the built manager with bytes appended, so its hash differs from the running one's.
        let installed = harness.controllerDirectory(1) + "/manager"
        let upgrade = try harness.write("manager-upgrade", "")
        var bytes = try Data(contentsOf: BuiltProducts.executable("instance-manager"))
        bytes.append(Data("\n# upgrade \(UUID().uuidString)\n".utf8))
        try bytes.write(to: URL(fileURLWithPath: upgrade))
        let hash = sha256Hex(bytes)
        #expect(hash != before.executableHash)
        func put(_ credentials: [String] = []) throws -> (status: Int32, body: String) {
            try harness.https(1, port: harness.statusPort, "/update", tls: ["--tlsv1.3"] + credentials, method: "PUT", bodyFile: upgrade, maxTime: 120)
        }
        let anonymous = try put()
        #expect(anonymous.status == 401, "\(anonymous)")
        let unpublished = try put(asOperator)
        #expect(unpublished.status == 400 && unpublished.body.contains("publishes no instance manager"), "\(unpublished)")
        let other = AvailableArchitecture(goArch: ManagerUpgrade.currentArchitecture, hash: String(repeating: "0", count: 64))
        try await harness.setStatus([("availableArchitectures", ObjectCodec.encode([other]))])
        let mismatch = try put(asOperator)
        #expect(mismatch.status == 400 && mismatch.body.contains("is not the operator's instance manager"), "\(mismatch)")
        let kept = try FileManager.default.destinationOfSymbolicLink(atPath: installed)
        #expect(kept == (try BuiltProducts.executable("instance-manager").path), "a refused binary is not installed")

        try await harness.setStatus([
            ("availableArchitectures", ObjectCodec.encode([AvailableArchitecture(goArch: ManagerUpgrade.currentArchitecture, hash: hash)]))
        ])
        let accepted = try put(asOperator)
        #expect(accepted.status == 0 || accepted.status == 200, "the connection drops as the manager re-executes: \(accepted)")
        var after: InstanceStatus?
        let upgraded = try await harness.eventually(60) {
            after = try status(harness)
            return after.map { $0.sessionID != before.sessionID } ?? false
        }
        #expect(upgraded, "\(harness.recentLogs)")
        #expect(after?.executableHash == hash, "the new binary runs")
        #expect(after?.isPrimary == true)
        #expect(sha256Hex(fileAtPath: installed) == hash, "installed as /controller/manager")
        #expect(harness.pid(of: primary) == managerPID && kill(managerPID, 0) == 0, "the same process, re-executed")
        #expect(postmasterPID(harness) == postmaster, "PostgreSQL was not restarted")
        #expect(try harness.localSQL(1, "SELECT pg_postmaster_start_time()").output == startTime)
        let readyAgain = try await harness.eventually(30) { try harness.statusAPI(1, "/readyz").status == 200 }
        #expect(readyAgain, "\(harness.recentLogs)")
        #expect(harness.podLogs.contains("following the running postmaster"))
        // Its log collector's output still reaches the manager's log.
        _ = try harness.localSQL(1, "DO $$ BEGIN RAISE LOG 'after the upgrade %', 42; END $$")
        let logged = await harness.eventually(15) { harness.podLogs.contains("after the upgrade 42") }
        #expect(logged, "\(harness.recentLogs)")
    }

    func checkPartialArchive(_ harness: InstanceHarness, asOperator: [String]) async throws {
        func archive() throws -> (status: Int32, json: JSONValue) {
            // pg_controldata, then the manager's wal-archive (a large debug binary to start): slow on a busy machine.
            let answer = try harness.https(1, port: harness.statusPort, "/pg/archive/partial", tls: asOperator, method: "POST", maxTime: 90)
            return (answer.status, (try? JSONText.parse(answer.body)) ?? .string(answer.body))
        }
        let anonymous = try harness.https(1, port: harness.statusPort, "/pg/archive/partial", method: "POST")
        #expect(anonymous.status == 401, "\(anonymous)")
        let unfenced = try archive()
        #expect(unfenced.status == 400 && unfenced.json["error"]?["code"]?.stringValue == "NOT_FENCED", "\(unfenced)")

        try await fence(harness, true)
        let fenced = try await harness.eventually(60) { try harness.statusAPI(1, "/readyz").body == "instance is fenced" }
        #expect(fenced, "\(harness.recentLogs)")
        let controldata = try JSONText.parse(try harness.https(1, port: harness.statusPort, "/pg/controldata", tls: asOperator).body)
        let redo = PartialWALArchive.redoWALFile(controldata: controldata["data"]?.stringValue ?? "")
        #expect(redo != nil, "\(controldata)")
        let archived = try archive()
        #expect(archived.status == 200 && archived.json["data"]?.stringValue == redo, "\(archived)")
        let walFiles = try FileManager.default.contentsOfDirectory(atPath: harness.dataDirectory(1) + "/pg_wal")
        #expect(!walFiles.contains { $0.hasSuffix(".partial") }, "the link is removed: \(walFiles)")
        #expect(walFiles.contains(redo ?? "-"), "the segment itself stays")
        #expect(harness.podLogs.contains("partial WAL file archived"))
    }

    func fence(_ harness: InstanceHarness, _ on: Bool) async throws {
        let value: JSONValue = on ? .string("[\"\(harness.clusterName)-1\"]") : .null
        _ = try await harness.admin.patch(
            .clusters, namespace: harness.namespace, name: harness.clusterName,
            .object([("metadata", .object([("annotations", .object([(FencedInstances.annotation, value)]))]))]), patchType: .merge)
    }

    /// A manager (re)started while its instance is fenced leaves PostgreSQL stopped until unfenced.
    func checkStartWhileFenced(_ harness: InstanceHarness, runArguments: [String], primary: String) async throws {
        #expect(await harness.stop(primary) == .exited(0), "\(harness.recentLogs)")
        try await harness.manager(runArguments, serial: 1, name: "\(primary)-fenced", pod: primary, wait: false)
        let serving = try await harness.eventually(60) { try harness.statusAPI(1, "/readyz").body == "instance is fenced" }
        #expect(serving, "\(harness.recentLogs)")
        try await Task.sleep(for: .seconds(3))
        #expect(postmasterPID(harness) == nil, "PostgreSQL did not start")
        #expect(try harness.statusAPI(1, "/healthz").status == 200)
        try await fence(harness, false)
        let unfenced = try await harness.eventually(60) { try harness.statusAPI(1, "/readyz").status == 200 }
        #expect(unfenced, "\(harness.recentLogs)")
        #expect(await harness.stop("\(primary)-fenced") == .exited(0), "\(harness.recentLogs)")
    }
}
