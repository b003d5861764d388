import CNPGCore
import Foundation

/// A `kube-sandbox up` process for tests (state in a temporary directory), and the real kubectl against it.
public final class RunningSandbox: @unchecked Sendable {
    public let directory: TemporaryDirectory
    /// The `kube-sandbox up` process (posix_spawn: see `ExternalTool.run`).
    public let child: ChildProcess
    public var kubeconfig: String { directory.url.appendingPathComponent("state/kubeconfig").path }

    public var stateDirectory: URL { directory.url.appendingPathComponent("state") }
    /// Where the sandbox's own output goes (kept for failure messages).
    public var logPath: String { directory.url.appendingPathComponent("sandbox.log").path }

    /// Without `kubelet`, the API server alone (`--no-kubelet`): pods stay Pending.
    public init(kubelet: Bool = false, extraArguments: [String] = []) throws {
        directory = try TemporaryDirectory(prefix: "cnpg-sandbox")
        let state = directory.url.appendingPathComponent("state")
        let arguments = ["up", "--dir", state.path, "--port", "0"] + (kubelet ? [] : ["--no-kubelet"]) + extraArguments
        let log = directory.url.appendingPathComponent("sandbox.log").path
        child = try ChildProcess.spawn(try BuiltProducts.executable("kube-sandbox").path, arguments, stdout: .file(log), stderr: .file(log))
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: kubeconfig), Date() < deadline, isRunning { usleep(50_000) }
        guard FileManager.default.fileExists(atPath: kubeconfig) else {
            _ = stop(scanForSecrets: false)
            throw TestFailure("kube-sandbox did not write its kubeconfig")
        }
    }

    /// Whether the sandbox process still runs (reaping it once it ended).
    public var isRunning: Bool { child.poll() == nil }

    public func kubectl(_ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 60) throws -> ExternalTool.Result {
        guard let kubectl = ExternalTool.find("kubectl") else { throw TestFailure("kubectl is not installed") }
        return try ExternalTool.run(
            kubectl, ["--kubeconfig", kubeconfig, "--cache-dir", directory.url.appendingPathComponent("cache").path] + arguments,
            stdin: stdin, timeout: timeout)
    }

    /// A kubeconfig for the same server that authenticates with `bearerToken` (a service account's).
    public func kubeconfig(bearerToken: String, namespace: String) throws -> String {
        let admin = try String(contentsOfFile: kubeconfig, encoding: .utf8)
        guard
            let server = admin.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("server:") })?
                .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces)
        else {
            throw TestFailure("the sandbox kubeconfig names no server")
        }
        let caPEM = try String(contentsOfFile: stateDirectory.appendingPathComponent("ca.crt").path, encoding: .utf8)
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: sandbox
              cluster:
                server: \(server)
                certificate-authority-data: \(Data(caPEM.utf8).base64EncodedString())
            users:
            - name: account
              user:
                token: \(bearerToken)
            contexts:
            - name: account
              context: {cluster: sandbox, user: account, namespace: \(namespace)}
            current-context: account
            """
    }

    /// SIGTERM, and the exit status.
    public func stop(scanForSecrets: Bool = true) -> Int32 {
        if isRunning {
            if scanForSecrets { SecretScan.report(secretFindings(), context: "sandbox \(directory.url.lastPathComponent)") }
            child.signal(SIGTERM)
        }
        let status = ExternalTool.reap(child, until: Date().addingTimeInterval(30))
        // A sandbox killed outright leaves its tmpfs volumes (--limit-volume-capacity) mounted.
        for mountPoint in leftoverMounts() { umount2(mountPoint, Int32(MNT_DETACH)) }
        return status
    }

    /// Where the values of the sandbox's Secrets (and its admin token) appear in its logs (its own,
    /// the operator's, every pod's, the audit log), its Events and its CNPG objects; read while it runs.
    public func secretFindings() -> [String] {
        let secrets = (try? kubectl(["get", "secrets", "-A", "-o", "json"]))?.output ?? ""
        var needles = SecretScan.needles(secretList: Data(secrets.utf8))
        if case .token(let token)? = (try? KubeClientConfiguration.fromKubeconfig(path: kubeconfig))?.credentials, token.count >= 16 {
            needles.append(SecretScan.Needle(origin: "the sandbox's admin token", value: token))
        }
        guard !needles.isEmpty else { return [] }
        var haystacks: [(name: String, text: String)] = []
        for kind in ["events", "clusters.postgresql.cnpg.io", "poolers.postgresql.cnpg.io", "backups.postgresql.cnpg.io", "volumesnapshots"] {
            if let listed = try? kubectl(["get", kind, "-A", "-o", "json"]), listed.status == 0 { haystacks.append((kind, listed.output)) }
        }
        for file in SecretScan.logFiles(under: directory.url) {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            haystacks.append((String(file.path.dropFirst(directory.url.path.count + 1)), text))
        }
        return SecretScan.findings(needles: needles, haystacks: haystacks)
    }

    /// Mount points under this sandbox's directory (tmpfs volumes): after `stop()`, there must be none.
    public func leftoverMounts() -> [String] {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[4].hasPrefix(directory.url.path + "/") else { return nil }
            return String(fields[4])
        }.sorted(by: >)
    }

    /// Processes still running from this sandbox's directory (in their command line or working
    /// directory): after `stop()`, there must be none.
    public func leftoverProcesses() -> [String] {
        let path = directory.url.path
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { $0.allSatisfy(\.isNumber) }
        return pids.compactMap { pid -> String? in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let commandLine = String(decoding: raw.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            let workingDirectory = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) ?? ""
            guard commandLine.contains(path) || workingDirectory.hasPrefix(path) else { return nil }
            return "\(pid): \(commandLine.prefix(200))"
        }
    }

    deinit { _ = stop() }
}
