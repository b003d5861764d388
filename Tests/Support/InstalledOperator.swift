import CNPGCore
import Foundation

/// `cnpg-operator controller` as a process on the host, installed on a sandbox the way the chart
/// installs it (CRDs, its ClusterRole, its webhooks) and running with its own service-account token.
/// Shared by the end-to-end tests and the benchmarks.
public final class OperatorProcess: @unchecked Sendable {
    public let process: ChildProcess
    public let log: String
    /// The loopback port of its webhook server, when it serves one.
    public let webhookPort: Int?

    /// Without `--webhook-port` or `--metrics-bind-address` in `extraArguments` those servers are
    /// off (several operators share the host).
    public init(kubeconfig: String, log: String, extraArguments: [String] = [], environment: [String: String] = [:]) throws {
        self.log = log
        webhookPort = extraArguments.firstIndex(of: "--webhook-port").flatMap { extraArguments.dropFirst($0 + 1).first }.flatMap { Int($0) }
        var defaults: [String] = []
        if !extraArguments.contains("--webhook-port") { defaults += ["--webhook-port", "0"] }
        if !extraArguments.contains("--metrics-bind-address") { defaults += ["--metrics-bind-address", "0"] }
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        process = try ChildProcess.spawn(
            try BuiltProducts.executable("cnpg-operator").path,
            ["controller", "--kubeconfig", kubeconfig, "--resync-seconds", "2"] + defaults + extraArguments,
            environment: merged, stdout: .file(log), stderr: .file(log))
    }

    /// The operator installed on `sandbox` and serving its webhooks on a free loopback port, once
    /// they answer. Log: `operator.log` in the sandbox's directory.
    public static func installedWithWebhooks(
        on sandbox: RunningSandbox, extraArguments: [String] = [],
        environment: [String: String] = [:], managingNetworkPolicies: Bool = false
    ) async throws -> OperatorProcess {
        let kubeconfig = try await OperatorInstallation.install(on: sandbox, managingNetworkPolicies: managingNetworkPolicies)
        let port = try FreePort.find()
        try OperatorInstallation.installWebhooks(sandbox, port: port)
        let controller = try withWebhooks(
            kubeconfig: kubeconfig, log: sandbox.directory.url.appendingPathComponent("operator.log").path,
            port: port, environment: environment, extraArguments: extraArguments)
        guard await OperatorInstallation.webhooksAnswer(sandbox) else {
            controller.process.signal(SIGKILL)
            _ = await controller.process.wait()
            throw TestFailure("the operator's webhooks never answered: \(controller.output.suffix(800))")
        }
        return controller
    }

    /// An operator serving its webhooks on 127.0.0.1:`port`.
    public static func withWebhooks(
        kubeconfig: String, log: String, port: Int, environment: [String: String] = [:],
        extraArguments: [String] = []
    ) throws -> OperatorProcess {
        try OperatorProcess(
            kubeconfig: kubeconfig, log: log,
            extraArguments: ["--webhook-port", String(port), "--webhook-bind-address", "127.0.0.1"] + extraArguments,
            environment: environment)
    }

    public var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
    public var isLeader: Bool { output.contains("became the leader") }

    public func stop() async -> ChildProcess.Termination {
        process.signal(SIGTERM)
        if let ended = await process.wait(timeout: .seconds(20)) { return ended }
        process.signal(SIGKILL)
        return await process.wait()
    }
}

public enum OperatorInstallation {
    /// Installs the CRDs and the operator's RBAC (with the networkpolicies rule when
    /// `managingNetworkPolicies`), and returns a kubeconfig with the operator's token.
    public static func install(on sandbox: RunningSandbox, managingNetworkPolicies: Bool = false) async throws -> String {
        let crds = try sandbox.kubectl(["apply", "-f", BuiltProducts.repositoryRoot.appendingPathComponent("manifests/crds.yaml").path])
        guard crds.status == 0 else { throw TestFailure("CRDs: \(crds.error)") }
        let rbac = try BuiltProducts.run("cnpg-operator", ["generate", "rbac"] + (managingNetworkPolicies ? ["--network-policies"] : []))
        guard rbac.status == 0 else { throw TestFailure("generate rbac: \(rbac.error)") }
        let account = try String(contentsOf: BuiltProducts.repositoryRoot.appendingPathComponent("manifests/operator-serviceaccount.yaml"), encoding: .utf8)
        let applied = try sandbox.kubectl(["apply", "-f", "-"], stdin: rbac.output + "\n---\n" + account)
        guard applied.status == 0 else { throw TestFailure("operator RBAC: \(applied.error)") }
        let admin = try HTTPKubeClient(configuration: try KubeClientConfiguration.fromKubeconfig(path: sandbox.kubeconfig))
        defer { Task { try? await admin.shutdown() } }
        let token = try await admin.requestToken(serviceAccount: "cnpg-manager", namespace: "cnpg-system")
        let path = sandbox.directory.url.appendingPathComponent("operator.kubeconfig").path
        try sandbox.kubeconfig(bearerToken: token, namespace: "cnpg-system").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The webhook configurations and a Service whose Endpoints point at 127.0.0.1:`port`, where
    /// the operator (a process here, not a pod) serves them.
    public static func installWebhooks(_ sandbox: RunningSandbox, port: Int) throws {
        let generated = try BuiltProducts.run("cnpg-operator", ["generate", "webhooks", "--local-address", "127.0.0.1:\(port)"])
        guard generated.status == 0 else { throw TestFailure("generate webhooks: \(generated.error)") }
        let applied = try sandbox.kubectl(["apply", "-f", "-"], stdin: generated.output)
        guard applied.status == 0 else { throw TestFailure("webhooks: \(applied.error)") }
    }

    /// Whether a server-side dry run of a Cluster passes the webhooks (they answer and are trusted).
    public static func webhooksAnswer(_ sandbox: RunningSandbox, within seconds: Double = 30) async -> Bool {
        await Eventually.check(within: seconds) {
            let probe = "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: webhook-probe}\nspec: {instances: 1, storage: {size: 1Gi}}\n"
            return (try? sandbox.kubectl(["apply", "--dry-run=server", "-f", "-"], stdin: probe).status) == 0
        }
    }
}

extension RunningSandbox {
    /// `kubectl get OBJECT -o jsonpath={PATH}`, empty when it fails.
    public func jsonpath(_ object: String, _ path: String, namespace: String = "default") -> String {
        (try? kubectl(["get", object, "-n", namespace, "-o", "jsonpath={\(path)}"]).output) ?? ""
    }

    /// One decoded value of a Secret, empty when missing.
    public func secretValue(_ secret: String, _ key: String, namespace: String = "default") -> String {
        String(decoding: Data(base64Encoded: jsonpath("secret/\(secret)", ".data.\(key)", namespace: namespace)) ?? Data(), as: UTF8.self)
    }
}

/// The real psql against a cluster's service, over TLS, with the password kept off the command line.
public enum PSQL {
    public static func run(
        _ binaries: URL, host: String, password: String, user: String = "app", database: String = "app",
        _ sql: String, sslMode: String = "require"
    ) throws -> ExternalTool.Result {
        guard let env = ExternalTool.find("env") else { throw TestFailure("env is not installed") }
        return try ExternalTool.run(
            env,
            [
                "PGPASSWORD=\(password)", "PGSSLMODE=\(sslMode)", "PGCONNECT_TIMEOUT=5",
                binaries.appendingPathComponent("psql").path, "-h", host, "-U", user, "-d", database, "-Atc", sql,
            ],
            timeout: 30)
    }
}
