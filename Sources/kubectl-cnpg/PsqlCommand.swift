import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg psql CLUSTER [-- ARGS]`: psql in the primary's (or a replica's) postgres
/// container, through `kubectl exec`, which takes over this process.
struct PsqlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psql",
        abstract: "Start psql in an instance pod of the cluster (the primary unless --replica).",
        discussion: """
            Runs `kubectl exec -c postgres POD -- psql -U postgres ARGS` (no -U postgres when ARGS name a user). \
            Arguments after -- go to psql, e.g. `kubectl cnpg psql cluster-example -- -c 'select 1'`. \
            Needs create on pods/exec.
            """
    )

    @OptionGroup var connection: KubeconfigOptions

    @Argument(help: "The Cluster.")
    var cluster: String

    @Flag(name: .long, help: "Connect to a replica instead of the primary.")
    var replica = false

    @Flag(name: [.customShort("t"), .long], inversion: .prefixedNo, help: "Allocate a terminal (kubectl exec -t).")
    var tty = true

    @Flag(name: [.customShort("i"), .long], inversion: .prefixedNo, help: "Pass standard input to psql (kubectl exec -i).")
    var stdin = true

    @Argument(parsing: .postTerminator, help: "Arguments for psql, after --.")
    var psqlArguments: [String] = []

    func run() async throws {
        let (client, namespace) = try connection.connect()
        let pods: KubeList
        do {
            pods = try await client.list(.pods, namespace: namespace, labelSelector: "\(CNPGLabels.cluster)=\(cluster)", fieldSelector: nil)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
        let role = replica ? "replica" : "primary"
        guard let pod = PodExecInvocation.pod(withRole: role, in: pods.items) else {
            throw PluginError("cannot find Pod with role \"\(role)\"")
        }
        guard let kubectl = ExecutableSearch.find("kubectl") else { throw PluginError("kubectl not found in PATH") }
        let invocation = PodExecInvocation(kubeconfig: connection.kubeconfig, context: connection.context, namespace: namespace)
        let arguments = [kubectl] + invocation.arguments(pod: pod, tty: tty, stdin: stdin, command: PodExecInvocation.psqlCommand(psqlArguments))
        let argv = arguments.map { strdup($0) } + [nil]
        execv(kubectl, argv)
        throw PluginError("cannot run \(kubectl): \(String(cString: strerror(errno)))")
    }
}
