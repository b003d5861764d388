import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg status CLUSTER`: the Cluster, its pods and each instance's `/pg/status` (read
/// through the API server's pod proxy, as CNPG's plugin does), printed in CNPG's sections.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the status of a PostgreSQL cluster: summary, certificates, replication and instances.",
        discussion: """
            Instance data comes from each pod's status API through the pods/proxy subresource, so it needs get on pods/proxy. \
            The Size line runs `du -sLh` on PGDATA in the primary's postgres container through `kubectl exec` (create on pods/exec).
            """
    )

    enum Output: String, ExpressibleByArgument, CaseIterable {
        case text, json, yaml
    }

    enum Color: String, ExpressibleByArgument, CaseIterable {
        case always, auto, never
    }

    @OptionGroup var connection: KubeconfigOptions

    @Argument(help: "The Cluster.")
    var cluster: String

    @Flag(
        name: .shortAndLong,
        help: "More detail: -v adds the PostgreSQL configuration and pg_hba rules, managed roles, tablespaces, disruption budgets and plugins.")
    var verbose: Int

    @Option(name: .shortAndLong, help: "Output format: text, json or yaml.")
    var output: Output = .text

    @Option(name: .long, help: "Colour: always, auto (only on a terminal) or never.")
    var color: Color = .auto

    func run() async throws {
        let (client, namespace) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        let object = try await ClusterLookup.get(client, cluster, namespace: namespace)
        let decoded = try ObjectCodec.decode(Cluster.self, from: object)
        let listed = try await client.list(.pods, namespace: namespace, labelSelector: "\(CNPGLabels.cluster)=\(cluster)", fieldSelector: nil)
        var pods: [String: JSONValue] = [:]
        for pod in listed.items where pod["metadata"]?["ownerReferences"]?.arrayValue?.contains(where: { $0["kind"]?.stringValue == Cluster.kind }) == true {
            if let name = pod["metadata"]?["name"]?.stringValue { pods[name] = pod }
        }
        var reports: [String: InstanceStatus] = [:]
        var errors: [String: String] = [:]
        await withTaskGroup(of: (String, Result<InstanceStatus, Error>).self) { group in
            for name in pods.keys {
                group.addTask {
                    let path = "/api/v1/namespaces/\(namespace)/pods/https:\(name):\(InstancePodBuilder.statusPort)/proxy/pg/status"
                    do {
                        return (name, .success(try ObjectCodec.decode(InstanceStatus.self, from: try await client.getJSON(path: path))))
                    } catch {
                        return (name, .failure(error))
                    }
                }
            }
            for await (name, result) in group {
                switch result {
                case .success(let report): reports[name] = report
                case .failure(let error):
                    errors[name] = "failed to get status by proxying to the pod, you might lack permissions to get pods/proxy: \(error)"
                }
            }
        }
        var view = ClusterStatusView(cluster: decoded, pods: pods, reports: reports, errors: errors)
        if verbose >= 1 {
            // Readable budgets are shown; without list on poddisruptionbudgets the section says none.
            view.budgets =
                (try? await client.list(
                    .podDisruptionBudgets, namespace: namespace, labelSelector: "\(CNPGLabels.cluster)=\(cluster)",
                    fieldSelector: nil
                ).items) ?? []
        }
        if view.wantsSize, let primary = decoded.status?.currentPrimary {
            view.size = await primarySize(pod: primary, namespace: namespace)
        }
        switch output {
        case .json: print(JSONText.serialize(view.document, pretty: true))
        case .yaml: print(ManifestValidator.render([view.document], format: "yaml"), terminator: "")
        case .text:
            let colored = color == .always || (color == .auto && isatty(STDOUT_FILENO) == 1)
            print(view.render(verbosity: verbose, style: ClusterStatusView.Style(color: colored)), terminator: "")
        }
    }

    /// PGDATA's size on the primary, as `du -sLh` in its postgres container reports it.
    func primarySize(pod: String, namespace: String) async -> Result<String, PluginExecError> {
        guard let kubectl = ExecutableSearch.find("kubectl") else { return .failure(PluginExecError("kubectl not found in PATH")) }
        let invocation = PodExecInvocation(kubeconfig: connection.kubeconfig, context: connection.context, namespace: namespace)
        do {
            let result = try await ChildProcess.run(kubectl, invocation.arguments(pod: pod, command: PodExecInvocation.sizeCommand), timeout: .seconds(30))
            guard result.succeeded, let size = PodExecInvocation.size(fromDiskUsage: result.output) else {
                let reason = result.error.trimmingCharacters(in: .whitespacesAndNewlines)
                return .failure(PluginExecError(reason.isEmpty ? "du ended with \(result.termination)" : reason))
            }
            return .success(size)
        } catch {
            return .failure(PluginExecError("cannot run kubectl exec: \(error)"))
        }
    }
}
