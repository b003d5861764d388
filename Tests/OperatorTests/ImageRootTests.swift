import CNPGTestSupport
import Foundation
import Testing

/// `make image-test`: the instance image's layout, proven without a container engine. The image's
/// root filesystem is a folder assembled by `scripts/image-rootfs.sh` (Debian's minimal variant,
/// PostgreSQL 15 from Debian, user postgres with uid 26, no setuid file); the sandbox kubelet runs
/// the PostgreSQL containers on it (its /usr, /etc, /lib instead of the host's) with the root
/// read-only, as uid 26, with only the volumes CNPG mounts writable, and the instance manager
/// linked with `--static-swift-stdlib` as the operator image carries it. PostgreSQL must
/// initialise, serve TLS 1.3 and shut down cleanly. Runs only when make image-test sets
/// CNPG_IMAGE_ROOT and CNPG_IMAGE_MANAGER.
extension ClusterLifecycleTests {
    static let imageRoot = ProcessInfo.processInfo.environment["CNPG_IMAGE_ROOT"]
    static let imageManager = ProcessInfo.processInfo.environment["CNPG_IMAGE_MANAGER"]

    @Test(
        "the instance image's root filesystem: initdb, TLS 1.3 and a clean shutdown as uid 26 on a read-only root",
        .enabled(if: imageRoot != nil && imageManager != nil, "make image-test sets CNPG_IMAGE_ROOT and CNPG_IMAGE_MANAGER"))
    func instanceImageRoot() async throws {
        let root = try #require(Self.imageRoot)
        let manager = try #require(Self.imageManager)
        let binaries = try PostgresServer.findBinaries()
        let imagePostgres = try ExternalTool.run(URL(fileURLWithPath: root + "/usr/lib/postgresql/15/bin/postgres"), ["--version"])
        let imageVersion = try #require(imagePostgres.output.firstMatch(of: /PostgreSQL\) (\d+\.\d+)/)?.1, "\(imagePostgres.output)")
        let setuid = try ExternalTool.run(URL(fileURLWithPath: "/usr/bin/find"), [root, "-xdev", "-type", "f", "-perm", "/6000"])
        #expect(setuid.status == 0 && setuid.output.isEmpty, "no file of the image raises privileges: \(setuid.output)")

        let scratch = try TemporaryDirectory(prefix: "cnpg-image")
        let map = scratch.url.appendingPathComponent("images.yaml")
        try """
        images:
          - image: ghcr.io/cloudnative-pg/postgresql*
            root: \(root)
            env: {CNPG_LISTEN_ADDRESSES: $(POD_IP)}
            users: [{name: postgres, uid: 26, gid: 26, home: /var/lib/postgresql}]
          - image: ghcr.io/cloudnative-pg/cloudnative-pg*
            files: {/manager: \(manager)}
        """.write(to: map, atomically: true, encoding: .utf8)
        let sandbox = try RunningSandbox(
            kubelet: true, extraArguments: ["--image-map", map.path, "--address-block", String(Int.random(in: 80...95) * 2)])
        defer { _ = sandbox.stop() }
        let controller = try await Operator.installedWithWebhooks(on: sandbox)
        defer {
            controller.killIfRunning()
        }
        try Self.apply(sandbox, instances: 1)
        let cluster = "cluster/cluster-example"
        let healthy = await Eventually.check(within: 180) {
            sandbox.jsonpath(cluster, ".status.phase") == "Cluster in healthy state" && sandbox.jsonpath(cluster, ".status.readyInstances") == "1"
        }
        try #require(
            healthy,
            "\(sandbox.jsonpath(cluster, ".status")) \((try? sandbox.kubectl(["logs", "job/cluster-example-1-initdb"]).output.suffix(3000)) ?? "")")
        #expect(sandbox.jsonpath("job/cluster-example-1-initdb", ".status.succeeded") == "1", "initdb ran in the image")

        // The server is the image's PostgreSQL, over TLS 1.3.
        let password = sandbox.secretValue("cluster-example-app", "password")
        let address = sandbox.jsonpath("service/cluster-example-rw", ".spec.clusterIP")
        let served = try PSQL.run(
            binaries, host: address, password: password,
            "select version(), (select version from pg_stat_ssl where pid = pg_backend_pid())")
        #expect(served.output.contains("PostgreSQL \(imageVersion)") && served.output.contains("|TLSv1.3"), "\(served.output) \(served.error)")

        // Inside: Debian's files, uid 26, nothing writable but the volumes.
        let exec = { (script: String) in
            try sandbox.kubectl(["exec", "cluster-example-1", "-c", "postgres", "--", "/bin/sh", "-c", script])
        }
        let inside = try exec("id -u; id -g; ls /usr/bin | wc -l; touch /probe 2>&1; touch /var/lib/postgresql/data/probe && echo data-writable")
        let lines = inside.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(inside.output) \(inside.error)")
        // /usr/bin is the image's (a minimal Debian), not the host's.
        let imageCommands = try FileManager.default.contentsOfDirectory(atPath: root + "/usr/bin").count
        let hostCommands = try FileManager.default.contentsOfDirectory(atPath: "/usr/bin").count
        #expect(imageCommands != hostCommands)
        #expect(Array(lines.prefix(3)) == ["26", "26", String(imageCommands)], "\(lines), the image has \(imageCommands) commands")
        #expect(lines.count > 3 && lines[3].contains("Read-only file system"), "\(lines)")
        #expect(lines.last == "data-writable", "\(lines)")

        // Fenced, the instance manager stops PostgreSQL; its control file says it was shut down cleanly.
        let fenced = try sandbox.kubectl(["annotate", "cluster", "cluster-example", #"cnpg.io/fencedInstances=["cluster-example-1"]"#])
        #expect(fenced.status == 0, "\(fenced.error)")
        var state = ""
        let stopped = await Eventually.check(within: 60) {
            let controldata = (try? exec("/usr/lib/postgresql/15/bin/pg_controldata /var/lib/postgresql/data/pgdata").output) ?? ""
            state = controldata.split(separator: "\n").first { $0.hasPrefix("Database cluster state:") }.map(String.init) ?? controldata
            return state.hasSuffix("shut down")
        }
        #expect(stopped, "\(state)")
        let log = (try? sandbox.kubectl(["logs", "cluster-example-1", "-c", "postgres"]).output) ?? ""
        #expect(log.contains("database system is shut down"), "\(log.suffix(2000))")
    }
}
