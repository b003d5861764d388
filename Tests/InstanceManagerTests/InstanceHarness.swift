import CNPGCore
import CNPGTestSupport
import Foundation

/// A sandbox API server holding one Cluster with its secrets and instance RBAC, and instance
/// managers run as the `postgres` user with the cluster's service-account token (so they have
/// exactly the per-cluster Role), each on its own loopback address.
final class InstanceHarness: @unchecked Sendable {
    let sandbox: RunningSandbox
    let admin: HTTPKubeClient
    let root: URL
    let clusterName = "cluster-example"
    let namespace = "default"
    let port: Int
    let statusPort: Int
    let metricsPort: Int
    let subnet = Int.random(in: 10...60)
    var cluster: Cluster
    var secrets: [String: [String: String]] = [:]
    private var processes: [String: ChildProcess] = [:]

    init() async throws {
        sandbox = try RunningSandbox()
        admin = try HTTPKubeClient(configuration: try KubeClientConfiguration.fromKubeconfig(path: sandbox.kubeconfig))
        root = URL(fileURLWithPath: "/tmp/cnpg-im-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try PostgresServer.chownToPostgres(root.path)
        port = try FreePort.find()
        statusPort = try FreePort.find()
        metricsPort = try FreePort.find()

        let crds = try sandbox.kubectl(["apply", "-f", BuiltProducts.repositoryRoot.appendingPathComponent("manifests/crds.yaml").path])
        guard crds.status == 0 else { throw TestFailure("CRDs: \(crds.error)") }
        let manifest = """
            apiVersion: postgresql.cnpg.io/v1
            kind: Cluster
            metadata:
              name: \(clusterName)
              namespace: \(namespace)
            spec:
              instances: 2
              smartShutdownTimeout: 5
              stopDelay: 30
              storage:
                size: 1Gi
              bootstrap:
                initdb:
                  database: app
                  owner: app
              managed:
                roles:
                - name: dante
                  login: true
                  connectionLimit: 4
                  comment: a managed role
                  inRoles: [pg_monitor]
                  passwordSecret:
                    name: dante-password
                - name: orphan
                  login: true
                  inRoles: [no_such_role]
              monitoring:
                metricsQueriesTTL: 1s
                customQueriesConfigMap:
                - name: \(DefaultMonitoringQueries.configMapName)
                  key: \(DefaultMonitoringQueries.key)
                - name: custom-queries
                  key: custom
            """
        let applied = try sandbox.kubectl(["apply", "-f", "-"], stdin: manifest)
        guard applied.status == 0 else { throw TestFailure("Cluster: \(applied.error)") }
        cluster = try await admin.get(Cluster.self, .clusters, namespace: namespace, name: clusterName)
        // What the operator copies next to the Cluster, and a user's own queries.
        try await setConfigMap(DefaultMonitoringQueries.configMapName, [DefaultMonitoringQueries.key: DefaultMonitoringQueries.yaml])
        try await setConfigMap("custom-queries", ["custom": Self.customQueries])
        for object in try ClusterManifests.objects(for: cluster) {
            let kind = object["kind"]?.stringValue ?? ""
            let types: [String: ResourceType] = [
                "Secret": .secrets, "ServiceAccount": .serviceAccounts, "Role": .roles, "RoleBinding": .roleBindings,
                "Lease": .leases,
            ]
            guard let type = types[kind] else { continue }
            _ = try await admin.create(type, namespace: namespace, object)
            if kind == "Secret", let secret = try? ObjectCodec.decode(Secret.self, from: object) {
                secrets[secret.metadata.name ?? ""] = (secret.data ?? [:]).compactMapValues {
                    Data(base64Encoded: $0).map { String(decoding: $0, as: UTF8.self) }
                }
            }
        }
        try await setManagedRolePassword(PasswordGenerator.generate())
        try await setStatus([
            ("targetPrimary", .string("\(clusterName)-1")),
            ("instanceNames", .array([.string("\(clusterName)-1"), .string("\(clusterName)-2")])),
        ])

        let token = try await admin.requestToken(serviceAccount: clusterName, namespace: namespace)
        let kubeconfig = try sandbox.kubeconfig(bearerToken: token, namespace: namespace)
        try write("kubeconfig", kubeconfig)
        // How instance processes resolve the -rw service: nss_wrapper's hosts file, no /etc/hosts change.
        try pointReadWriteService(to: 1)
    }

    static let customQueries = """
        who:
          query: "SELECT current_user AS login, pg_catalog.pg_is_in_recovery() AS standby, 1 AS connected"
          metrics:
            - login:
                usage: "LABEL"
                description: "The role the exporter runs queries as"
            - standby:
                usage: "GAUGE"
                description: "1 on a standby"
            - connected:
                usage: "GAUGE"
                description: "Always 1"
        rows_on_primary:
          primary: true
          target_databases: ["ap*"]
          query: "SELECT current_database() AS datname, (SELECT count(*) FROM pg_catalog.pg_class) AS relations"
          metrics:
            - datname:
                usage: "LABEL"
                description: "Database"
            - relations:
                usage: "COUNTER"
                description: "Relations in the database"
        """

    /// The `dante-password` basic-auth Secret of the managed role `dante` (created or updated);
    /// every password it held is scanned for in the logs.
    func setManagedRolePassword(_ password: String) async throws {
        let data = JSONValue.object([
            ("username", .string(Data("dante".utf8).base64EncodedString())),
            ("password", .string(Data(password.utf8).base64EncodedString())),
        ])
        try await setData(
            .secrets,
            .object([
                ("apiVersion", .string("v1")), ("kind", .string("Secret")), ("type", .string("kubernetes.io/basic-auth")),
                ("metadata", .object([("name", .string("dante-password")), ("namespace", .string(namespace))])), ("data", data),
            ]))
        secrets["dante-password-\(secrets.count)"] = ["password": password]
    }

    /// Creates or replaces a ConfigMap in the cluster's namespace.
    func setConfigMap(_ name: String, _ data: [String: String]) async throws {
        try await setData(
            .configMaps,
            .object([
                ("apiVersion", .string("v1")), ("kind", .string("ConfigMap")),
                ("metadata", .object([("name", .string(name)), ("namespace", .string(namespace))])),
                ("data", .object(data.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ]))
    }

    /// Creates `object`, or when it exists replaces its `data`.
    private func setData(_ type: ResourceType, _ object: JSONValue) async throws {
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        if (try? await admin.get(type, namespace: namespace, name: name)) != nil {
            _ = try await admin.patch(type, namespace: namespace, name: name, .object([("data", object["data"] ?? .null)]))
        } else {
            _ = try await admin.create(type, namespace: namespace, object)
        }
    }

    func address(_ serial: Int) -> String { "127.0.\(subnet).\(serial)" }
    func dataDirectory(_ serial: Int) -> String { root.appendingPathComponent("pod-\(serial)/pgdata").path }
    func controllerDirectory(_ serial: Int) -> String { root.appendingPathComponent("pod-\(serial)/controller").path }
    func logFile(_ name: String) -> String { root.appendingPathComponent("\(name).log").path }
    /// Every manager's log, by file name.
    var logs: [(file: String, text: String)] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return files.filter { $0.hasSuffix(".log") }.sorted().map { file in
            (file, (try? String(contentsOfFile: root.appendingPathComponent(file).path, encoding: .utf8)) ?? "")
        }
    }

    var podLogs: String { logs.map(\.text).joined() }

    /// The end of every manager's log, for failure messages.
    var recentLogs: String {
        logs.map { "== \($0.file)\n" + $0.text.split(separator: "\n").suffix(15).joined(separator: "\n") }.joined(separator: "\n")
    }

    func setStatus(_ fields: [(String, JSONValue)]) async throws {
        _ = try await admin.patch(
            .clusters, namespace: namespace, name: clusterName, .object([("status", .object(fields))]),
            patchType: .merge, subresource: "status", fieldManager: "test")
    }

    /// Runs `instance-manager instance SUBCOMMAND` as postgres for pod `serial`; `wait` false leaves it running.
    /// `name` labels the process and its log; POD_NAME is `pod` when given (a restarted container), else `name`.
    @discardableResult
    func manager(_ subcommand: [String], serial: Int, name: String, pod: String? = nil, wait: Bool) async throws -> ChildProcess.Termination? {
        for directory in [root.appendingPathComponent("pod-\(serial)").path, controllerDirectory(serial)] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try PostgresServer.chownToPostgres(directory)
        }
        // As the pod's bootstrap-controller init container copies it: PostgreSQL's archive_command runs it.
        let manager = controllerDirectory(serial) + "/manager"
        if !FileManager.default.fileExists(atPath: manager) {
            try FileManager.default.createSymbolicLink(atPath: manager, withDestinationPath: try BuiltProducts.executable("instance-manager").path)
        }
        let binaries = try PostgresServer.findBinaries()
        let environment = [
            "PATH": "/usr/bin:/bin", "HOME": root.path,
            "POD_NAME": pod ?? name, "CLUSTER_NAME": clusterName, "NAMESPACE": namespace,
            "PGDATA": dataDirectory(serial), "CNPG_CONTROLLER_DIR": controllerDirectory(serial),
            "KUBECONFIG": root.appendingPathComponent("kubeconfig").path, "CNPG_PG_BIN_DIR": binaries.path,
            "CNPG_LISTEN_ADDRESSES": address(serial), "PGPORT": String(port),
            "LD_PRELOAD": try Self.nssWrapper(), "NSS_WRAPPER_HOSTS": root.appendingPathComponent("hosts").path,
        ]
        let arguments =
            [
                "--reuid=postgres", "--regid=postgres", "--init-groups", "--",
                try BuiltProducts.executable("instance-manager").path, "instance",
            ] + subcommand
        let child = try ChildProcess.spawn(
            "/usr/bin/setpriv", arguments, environment: environment,
            stdout: .file(logFile(name)), stderr: .file(logFile(name)))
        guard wait else {
            processes[name] = child
            return nil
        }
        guard let termination = await child.wait(timeout: .seconds(300)) else {
            child.signal(SIGKILL)
            _ = await child.wait()
            throw TestFailure("\(subcommand.first ?? "") did not finish: \(podLogs)")
        }
        return termination
    }

    /// What the -rw Service does when the primary changes: the name now resolves to `serial`.
    func pointReadWriteService(to serial: Int) throws {
        try write("hosts", "\(address(serial)) \(clusterName)-rw\n")
    }

    /// Waits for a running manager to end by itself.
    func exit(of name: String, timeout: Duration = .seconds(60)) async -> ChildProcess.Termination? {
        guard let child = processes[name], let termination = await child.wait(timeout: timeout) else { return nil }
        processes[name] = nil
        return termination
    }

    /// The pid of a running manager started here.
    func pid(of name: String) -> pid_t? { processes[name]?.pid }

    /// SIGTERM to a running manager; its termination within `timeout`.
    func stop(_ name: String, timeout: Duration = .seconds(60)) async -> ChildProcess.Termination? {
        guard let child = processes.removeValue(forKey: name) else { return nil }
        child.signal(SIGTERM)
        if let termination = await child.wait(timeout: timeout) { return termination }
        child.signal(SIGKILL)
        _ = await child.wait()
        return nil
    }

    /// Everything started here stops, by PID; postgres servers left by a killed manager too.
    func shutdown() async {
        for name in Array(processes.keys) { _ = await stop(name, timeout: .seconds(30)) }
        for serial in 1...2 {
            let pidFile = dataDirectory(serial) + "/postmaster.pid"
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.split(separator: "\n").first ?? "") {
                kill(pid, SIGQUIT)
            }
        }
        try? await admin.shutdown()
        _ = sandbox.stop()
        // CNPG_KEEP_TEST_DIRECTORY=1 keeps data directories and logs for a post-mortem.
        if ProcessInfo.processInfo.environment["CNPG_KEEP_TEST_DIRECTORY"] != "1" { try? FileManager.default.removeItem(at: root) }
    }

    /// GET on an instance's status API over TLS 1.3, verifying its certificate against the cluster CA.
    func statusAPI(_ serial: Int, _ path: String) throws -> (status: Int32, body: String) {
        try https(serial, port: statusPort, path)
    }

    /// GET on an instance's exporter (`--metrics-port-tls`) over TLS 1.3, verifying its certificate.
    func metrics(_ serial: Int) throws -> (status: Int32, body: String) {
        try https(serial, port: metricsPort, "/metrics")
    }

    func https(
        _ serial: Int, port: Int, _ path: String, tls: [String] = ["--tlsv1.3"], method: String = "GET",
        body: String? = nil, bodyFile: String? = nil, maxTime: Int = 10
    ) throws -> (status: Int32, body: String) {
        let caFile = root.appendingPathComponent("server-ca.crt").path
        if !FileManager.default.fileExists(atPath: caFile) { try write("server-ca.crt", secrets["\(clusterName)-ca"]?["ca.crt"] ?? "") }
        guard let curl = ExternalTool.find("curl") else { throw TestFailure("curl is not installed") }
        var request = method == "GET" ? [] : ["-X", method, "-H", "Content-Type: application/json", "--data-binary", body ?? ""]
        if let bodyFile { request = ["-X", method, "-H", "Content-Type: application/octet-stream", "--data-binary", "@\(bodyFile)"] }
        let result = try ExternalTool.run(
            curl,
            ["-sS"] + request + tls + [
                "--cacert", caFile, "--resolve", "\(clusterName)-rw:\(port):\(address(serial))",
                "--max-time", String(maxTime), "-w", "\n%{http_code}", "https://\(clusterName)-rw:\(port)\(path)",
            ])
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int32(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    func psql(_ serial: Int, _ conninfo: String, _ sql: String) throws -> ExternalTool.Result {
        let binaries = try PostgresServer.findBinaries()
        return try ExternalTool.run(
            binaries.appendingPathComponent("psql"),
            [
                "-w", "-X", "-Atc", sql,
                "host=\(address(serial)) port=\(port) connect_timeout=5 \(conninfo)",
            ], timeout: 30)
    }

    /// SQL as postgres over the instance's Unix socket (peer authentication as the OS user).
    func localSQL(_ serial: Int, _ sql: String, database: String = "postgres") throws -> ExternalTool.Result {
        let binaries = try PostgresServer.findBinaries()
        return try ExternalTool.run(
            URL(fileURLWithPath: "/usr/sbin/runuser"),
            [
                "-u", "postgres", "--", binaries.appendingPathComponent("psql").path, "-w", "-X", "-Atc", sql,
                "host=\(controllerDirectory(serial))/run port=\(port) dbname=\(database) user=postgres",
            ], timeout: 30)
    }

    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let path = root.appendingPathComponent(name).path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        try PostgresServer.chownToPostgres(path)
        return path
    }

    static func nssWrapper() throws -> String {
        for candidate in ["/usr/lib/x86_64-linux-gnu/libnss_wrapper.so", "/usr/lib/aarch64-linux-gnu/libnss_wrapper.so"]
        where FileManager.default.fileExists(atPath: candidate) { return candidate }
        throw TestFailure("libnss-wrapper is not installed: run scripts/install-test-deps.sh")
    }

    func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        try await Eventually.check(within: seconds, condition)
    }
}
