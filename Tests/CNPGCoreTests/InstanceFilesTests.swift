import CNPGCore
import Foundation
import Logging
import Testing

/// The pure parts of the instance manager: files it writes, strings it builds, logs it parses.
@Suite struct InstanceFilesTests {
    let paths = InstancePaths(dataDirectory: "/var/lib/postgresql/data/pgdata")

    func cluster() -> Cluster {
        var cluster = Cluster(name: "cluster-example", namespace: "default")
        cluster.spec.instances = 3
        return cluster
    }

    @Test func primaryConnInfoFollowsCNPGTokenOrder() {
        let conninfo = PrimaryConnInfo.make(host: "cluster-example-rw", applicationName: "cluster-example-2", paths: paths)
        #expect(
            conninfo
                == "host=cluster-example-rw user=streaming_replica port=5432 sslkey=/controller/certificates/streaming_replica.key sslcert=/controller/certificates/streaming_replica.crt sslrootcert=/controller/certificates/server-ca.crt application_name=cluster-example-2 sslmode=verify-ca dbname=postgres tcp_user_timeout='5000'"
        )
        let quoted = PrimaryConnInfo.make(host: "h", applicationName: "it's", paths: InstancePaths(controllerDirectory: "/tmp/a b"))
        #expect(quoted.contains("application_name='it\\'s'"))
        #expect(quoted.contains("sslkey='/tmp/a b/certificates/streaming_replica.key'"))
    }

    @Test func standbyFilesPointAtThePrimaryWithTheirSlot() throws {
        let files = try InstanceConfigurationFiles.render(
            cluster: cluster(), podName: "cluster-example-2",
            role: .standby(primaryHost: "cluster-example-rw"), paths: paths, majorVersion: 15)
        #expect(files.standbySignal)
        let lines = files.overrideConf.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("primary_conninfo = 'host=cluster-example-rw user=streaming_replica"))
        #expect(lines[1] == "primary_slot_name = '_cnpg_cluster_example_2'")
        #expect(lines[2] == "recovery_target_timeline = 'latest'")
        #expect(files.pgHBA.contains("hostssl replication streaming_replica all cert map=cnpg_streaming_replica"))
        #expect(files.pgIdent.hasPrefix("local postgres postgres\n"))
    }

    @Test func primaryFilesHaveNoReplicationOverrideAndTheMandatorySettings() throws {
        let files = try InstanceConfigurationFiles.render(cluster: cluster(), podName: "cluster-example-1", role: .primary, paths: paths, majorVersion: 15)
        #expect(!files.standbySignal)
        #expect(files.overrideConf == "recovery_target_timeline = 'latest'\n", "kept after promotion, so a failover needs no restart")
        #expect(files.customConf.contains("ssl = 'on'\n"))
        #expect(files.customConf.contains("ssl_min_protocol_version = 'TLSv1.3'\n"))
        #expect(files.customConf.contains("ssl_cert_file = '/controller/certificates/server.crt'\n"))
        #expect(files.customConf.contains("listen_addresses = '*'\n"))
        #expect(files.customConf.contains("cluster_name = 'cluster-example'\n"))
    }

    @Test func movedControllerDirectoryAndListeningAreReflected() throws {
        let moved = InstancePaths(dataDirectory: "/d/pgdata", controllerDirectory: "/d/controller")
        let files = try InstanceConfigurationFiles.render(
            cluster: cluster(), podName: "cluster-example-1", role: .primary, paths: moved, majorVersion: 15,
            listening: .init(addresses: "127.0.5.1", port: 6543))
        #expect(files.customConf.contains("ssl_cert_file = '/d/controller/certificates/server.crt'\n"))
        #expect(files.customConf.contains("unix_socket_directories = '/d/controller/run'\n"))
        #expect(files.customConf.contains("log_directory = '/d/controller/log'\n"))
        #expect(files.customConf.contains("listen_addresses = '127.0.5.1'\n"))
        #expect(files.customConf.contains("port = '6543'\n"))
    }

    @Test func preserveModeLeavesTheMandatoryBlockOut() throws {
        let files = try InstanceConfigurationFiles.render(
            cluster: cluster(), podName: "cluster-example-1", role: .primary, paths: paths,
            majorVersion: 15, preserveMode: true)
        #expect(!files.customConf.contains("ssl = "))
        #expect(!files.customConf.contains("archive_command"))
        #expect(files.customConf.contains("wal_level = 'logical'\n"))
    }

    @Test func includeLinesAreAddedOncePerFile() {
        let initial = "max_connections = 100\n"
        let lines = InstanceConfigurationFiles.includeLines(missingFrom: initial)
        #expect(
            lines
                == "\n# load CloudNativePG custom.conf configuration\ninclude 'custom.conf'\n\n# load CloudNativePG override.conf configuration\ninclude 'override.conf'\n"
        )
        #expect(InstanceConfigurationFiles.includeLines(missingFrom: initial + lines).isEmpty)
    }

    @Test func lsnParsesComparesAndTravelsAsText() throws {
        let low = try #require(LSN("0/3000060"))
        let high = try #require(LSN("1/0"))
        #expect(low < high)
        #expect(high.description == "1/0")
        #expect(LSN("0/") == nil && LSN("G/1") == nil && LSN("123456789/0") == nil)
        var status = InstanceStatus()
        status.currentLsn = low
        let encoded = ObjectCodec.encode(status)
        #expect(encoded["currentLsn"] == .string("0/3000060"))
        #expect(try ObjectCodec.decode(InstanceStatus.self, from: encoded).currentLsn == low)
        #expect(throws: (any Error).self) { try ObjectCodec.decode(InstanceStatus.self, from: encoded.setting("currentLsn", to: .string("nope"))) }
    }

    @Test func csvLogRecordsSurviveChunkingQuotesAndLineBreaks() {
        var parser = PostgresCSVLog()
        let text =
            "2026-11-30 10:00:00 UTC,\"app\",\"app\",42,,,1,,,,0,LOG,00000,\"a \"\"quoted\"\"\nmessage, with comma\",,,,,,,,,\"psql\",client backend,,0\n2026,x\n"
        var records: [[String]] = []
        for chunk in Array(text.utf8).chunked(by: 7) { records += parser.feed(chunk) }
        #expect(records.count == 2)
        let named = Dictionary(uniqueKeysWithValues: PostgresCSVLog.named(records[0]))
        #expect(named["message"] == "a \"quoted\"\nmessage, with comma")
        #expect(named["error_severity"] == "LOG")
        #expect(named["application_name"] == "psql")
        #expect(named["database_name"] == "app")
        #expect(named["detail"] == nil, "empty fields are left out")
    }

    @Test func shellQuotedListsRoundTrip() throws {
        let words = ["-k", "--locale=C", "it's", "two words", "back\\slash", ""]
        #expect(try ShellQuoting.split(ShellQuoting.join(words)) == words)
        #expect(try ShellQuoting.split("a \"b c\" d\\ e") == ["a", "b c", "d e"])
        #expect(try ShellQuoting.split("") == [])
        #expect(throws: ShellQuoting.Unterminated.self) { try ShellQuoting.split("'open") }
    }

    @Test func jsonLogLinesUseCNPGFieldNames() throws {
        let lines = LockedLines()
        var logger = Logger(label: "instance-manager") { label in JSONLogHandler(label: label, level: .info) { lines.append($0) } }
        logger[metadataKey: "logging_pod"] = "cluster-example-1"
        logger.info("postmaster started", metadata: ["pid": "42"])
        logger.debug("not shown")
        #expect(lines.all.count == 1)
        let line = try JSONText.parse(Array(try #require(lines.all.first).utf8))
        #expect(line["level"] == .string("info"))
        #expect(line["logger"] == .string("instance-manager"))
        #expect(line["msg"] == .string("postmaster started"))
        #expect(line["logging_pod"] == .string("cluster-example-1"))
        #expect(line["pid"] == .string("42"))
        #expect(line["ts"]?.stringValue?.hasSuffix("Z") == true)
    }

    @Test func childProcessesReportOutputStatusAndSignals() async throws {
        let result = try await ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(result.termination == .exited(3))
        #expect(result.output == "out\n")
        #expect(result.error == "err\n")
        let sleeper = try ChildProcess.spawn("/bin/sleep", ["30"], stdout: .discard, stderr: .discard)
        #expect(await sleeper.wait(timeout: .milliseconds(200)) == nil)
        sleeper.signal(SIGTERM)
        #expect(await sleeper.wait() == .signaled(SIGTERM))
        let bounded = try await ChildProcess.run("/bin/sleep", ["30"], timeout: .milliseconds(300))
        #expect(bounded.termination == .signaled(SIGKILL))
        #expect(throws: ChildProcess.Failure.self) { try ChildProcess.spawn("/nonexistent/tool", []) }
    }

    /// Once reaped a child's pid may be recycled: every copy keeps answering with how it ended and
    /// never waits on or signals that pid again (two waiters used to see one real end and one -1).
    @Test func aReapedChildAnswersTheSameToEveryCopy() async throws {
        let child = try ChildProcess.spawn("/bin/sh", ["-c", "exit 7"], stdout: .discard, stderr: .discard)
        let copy = child
        async let first = child.wait()
        async let second = copy.wait()
        #expect(await first == .exited(7))
        #expect(await second == .exited(7))
        #expect(child.poll() == .exited(7))
        child.signal(SIGKILL)
        #expect(copy.poll() == .exited(7))
        #expect(ChildProcess(adopting: child.pid, executable: "/bin/sh") == nil, "no longer our child")
    }

    @Test func childProcessesInheritNoDescriptorBeyondStandardOnes() async throws {
        // A pipe made without O_CLOEXEC, like a socket some library left inheritable.
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        let probe = try await ChildProcess.run("/bin/sh", ["-c", "test -e /proc/self/fd/\(ends[1]) && echo inherited || echo closed"])
        #expect(probe.output == "closed\n", "fd \(ends[1]) leaked into the child")
    }
}

private final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}

extension Array {
    func chunked(by size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
