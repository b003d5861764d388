import CNPGTestSupport
import Foundation
import Testing

/// Every product builds, starts, and answers --help and --version with its own name.
@Suite struct ExecutablesTests {
    @Test(arguments: ["cnpg-operator", "instance-manager", "kubectl-cnpg", "kube-sandbox"])
    func answersHelpAndVersion(name: String) throws {
        let help = try BuiltProducts.run(name, ["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("USAGE: \(name)"))
        let version = try BuiltProducts.run(name, ["--version"])
        #expect(version.status == 0)
        #expect(version.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1.30.0")
    }

    /// Every subcommand, however deep, answers --help: ArgumentParser only finds clashing flag
    /// names (two `-f`, say) when that command is parsed, so each one is asked.
    @Test(arguments: ["cnpg-operator", "instance-manager", "kubectl-cnpg", "kube-sandbox"])
    func everySubcommandAnswersHelp(name: String) throws {
        var pending: [[String]] = [[]]
        var seen = 0
        while let path = pending.popLast(), seen < 200 {
            seen += 1
            let help = try BuiltProducts.run(name, path + ["--help"])
            #expect(
                help.status == 0 && !help.output.contains("Validation failed") && !help.error.contains("Validation failed"),
                "\(name) \(path.joined(separator: " ")) --help: \(help.output)\(help.error)")
            #expect(help.output.contains("USAGE: \(([name] + path).joined(separator: " "))"), "\(name) \(path) --help shows another command")
            let lines = help.output.split(separator: "\n", omittingEmptySubsequences: false)
            guard let start = lines.firstIndex(where: { $0.hasPrefix("SUBCOMMANDS:") }) else { continue }
            for line in lines[(start + 1)...] {
                guard !line.isEmpty else { break }
                // "  name   description"; wrapped description lines are indented further.
                guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first else { continue }
                let subcommand = String(word)
                if subcommand != "help" { pending.append(path + [subcommand]) }
            }
        }
        #expect(seen > 1 || name == "kube-sandbox-exec", "\(name) lists no subcommands")
    }

    /// Bad input names the flag and never starts anything.
    @Test func instanceManagerRejectsMissingAndBadFlags() throws {
        let missing = try BuiltProducts.run("instance-manager", ["instance", "run", "--pod-name", "p", "--cluster-name", "c"])
        #expect(missing.status != 0)
        #expect(missing.error.contains("--namespace is required"), "\(missing.error)")
        let port = try BuiltProducts.run(
            "instance-manager",
            [
                "instance", "run", "--pod-name", "p", "--cluster-name", "c", "--namespace", "n",
                "--port", "70000",
            ])
        #expect(port.status != 0)
        #expect(port.error.contains("--port must be between 1 and 65535"), "\(port.error)")
        let quoting = try BuiltProducts.run(
            "instance-manager",
            [
                "instance", "init", "--pod-name", "p", "--cluster-name", "c", "--namespace", "n",
                "--initdb-flags", "'unterminated",
            ])
        #expect(quoting.status != 0)
        #expect(quoting.error.contains("--initdb-flags: unterminated quote"), "\(quoting.error)")
        let help = try BuiltProducts.run("instance-manager", ["instance", "run", "--help"])
        #expect(help.output.contains("--status-port-tls"))
    }

    @Test func kubeSandboxRejectsBadFlagsAndTheHelperNeedsACommand() throws {
        let block = try BuiltProducts.run("kube-sandbox", ["up", "--dir", "/tmp/unused-sandbox", "--address-block", "254"])
        #expect(block.status != 0)
        #expect(block.error.contains("--address-block must be between 0 and 253"), "\(block.error)")
        let map = try BuiltProducts.run("kube-sandbox", ["up", "--dir", "/tmp/unused-sandbox", "--image-map", "/nonexistent/map.yaml"])
        #expect(map.status != 0)
        #expect(map.error.contains("--image-map: cannot read /nonexistent/map.yaml"), "\(map.error)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/unused-sandbox"))
        let helper = try BuiltProducts.run("kube-sandbox-exec", ["--root", "/tmp/x"])
        #expect(helper.status != 0)
        #expect(helper.error.contains("no command after --"), "\(helper.error)")
        let relative = try BuiltProducts.run("kube-sandbox-exec", ["--root", "relative", "--", "/bin/true"])
        #expect(relative.error.contains("--root must be an absolute directory"), "\(relative.error)")
    }

    @Test func operatorControllerRejectsBadFlags() throws {
        let workers = try BuiltProducts.run("cnpg-operator", ["controller", "--workers", "0"])
        #expect(workers.status != 0)
        #expect(workers.error.contains("--workers must be between 1 and 64"), "\(workers.error)")
        let level = try BuiltProducts.run("cnpg-operator", ["controller", "--log-level", "loud"])
        #expect(level.error.contains("--log-level must be one of"), "\(level.error)")
        let missing = try BuiltProducts.run("cnpg-operator", ["controller", "--kubeconfig", "/nonexistent/kubeconfig"])
        #expect(missing.status != 0)
        #expect(missing.error.contains("cannot configure the Kubernetes client"), "\(missing.error)")
        let lease = try BuiltProducts.run("cnpg-operator", ["controller", "--leader-elect", "--lease-duration-seconds", "1"])
        #expect(lease.error.contains("--lease-duration-seconds must be between 3 and 300"), "\(lease.error)")
        let metrics = try BuiltProducts.run("cnpg-operator", ["controller", "--metrics-bind-address", "localhost"])
        #expect(metrics.error.contains("--metrics-bind-address must be HOST:PORT, :PORT or 0, got 'localhost'"), "\(metrics.error)")
        let port = try BuiltProducts.run("cnpg-operator", ["controller", "--webhook-port", "70000"])
        #expect(port.error.contains("--webhook-port must be between 0 and 65535"), "\(port.error)")
        let webhooks = try BuiltProducts.run("cnpg-operator", ["generate", "webhooks", "--local-address", "nowhere"])
        #expect(webhooks.status != 0)
        #expect(webhooks.error.contains("--local-address must be HOST:PORT, got 'nowhere'"), "\(webhooks.error)")
        let help = try BuiltProducts.run("cnpg-operator", ["controller", "--help"])
        #expect(help.output.contains("--resync-seconds") && help.output.contains("--leader-elect"))
        #expect(help.output.contains("--webhook-port") && help.output.contains("--metrics-bind-address"))
    }

    @Test("the plugin's connection problems are one clear line and exit status 1: no kubeconfig, unknown context, refused connection")
    func pluginConnectionErrors() throws {
        let directory = try TemporaryDirectory()
        let unreachable = try directory.write(
            "unreachable.kubeconfig",
            """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
            users: [{name: u, user: {token: not-a-secret}}]
            contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
            current-context: x
            """)
        let cases: [([String], String)] = [
            (["status", "pg", "--kubeconfig", directory.url.appendingPathComponent("missing").path], "Error: cannot load the kubeconfig: no kubeconfig found"),
            (
                ["status", "pg", "--kubeconfig", unreachable, "--context", "nope"],
                #"Error: cannot load the kubeconfig: context "nope" not found in the kubeconfig"#
            ),
            (["status", "pg", "--kubeconfig", unreachable], "Error: the connection to the API server was refused"),
            (["psql", "pg", "--kubeconfig", unreachable], "Error: the connection to the API server was refused"),
        ]
        for (arguments, expected) in cases {
            let result = try BuiltProducts.run("kubectl-cnpg", arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.error.hasPrefix(expected) && result.error.split(separator: "\n").count == 1, "\(arguments): \(result.error)")
            #expect(!result.error.contains("not-a-secret"))
        }
    }

    @Test func unknownArgumentsFailWithUsage() throws {
        let result = try BuiltProducts.run("kubectl-cnpg", ["frobnicate"])
        #expect(result.status != 0)
        #expect(result.error.contains("Usage") || result.error.contains("USAGE") || result.error.contains("Error"))
    }
}

/// docs/dependencies.md gives a reason for exactly the packages Package.swift depends on.
@Suite struct DependenciesDocumentationTests {
    @Test func everyPackageIsExplained() throws {
        let root = BuiltProducts.repositoryRoot
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let declared = Set(manifest.matches(of: /\.package\(url: "https:\/\/github\.com\/([^"]+)"/).map { String($0.output.1) })
        let page = try String(contentsOf: root.appendingPathComponent("docs/dependencies.md"), encoding: .utf8)
        let documented = Set(page.matches(of: /^\| `([^`]+\/[^`]+)` \|/.anchorsMatchLineEndings()).map { String($0.output.1) })
        #expect(!declared.isEmpty)
        #expect(
            declared == documented,
            "in Package.swift only: \(declared.subtracting(documented).sorted()); documented only: \(documented.subtracting(declared).sorted())")
    }
}
