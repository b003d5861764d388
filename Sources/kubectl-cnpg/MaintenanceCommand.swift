import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg maintenance set|unset [CLUSTER]`: turns `spec.nodeMaintenanceWindow` on or off for
/// one Cluster, every Cluster of the namespace, or (`-A`) of every namespace.
struct MaintenanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance",
        abstract: "Mark clusters as in (or out of) a node maintenance window.",
        subcommands: [Set.self, Unset.self]
    )

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Start the maintenance window (nodeMaintenanceWindow.inProgress: true).")
        @OptionGroup var arguments: MaintenanceArguments
        func run() async throws { try await arguments.apply(inProgress: true) }
    }

    struct Unset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unset", abstract: "End the maintenance window (nodeMaintenanceWindow.inProgress: false).")
        @OptionGroup var arguments: MaintenanceArguments
        func run() async throws { try await arguments.apply(inProgress: false) }
    }
}

struct MaintenanceArguments: ParsableArguments {
    @OptionGroup var connection: KubeconfigOptions

    @Argument(help: "The Cluster (default: every Cluster of the namespace).")
    var cluster: String?

    @Flag(name: [.customShort("A"), .long], help: "Every Cluster of every namespace.")
    var allNamespaces = false

    @Flag(name: .customLong("reusePVC"), help: "Keep the PVCs of instances on drained nodes and wait for them (default: recreate them elsewhere).")
    var reusePVC = false

    @Flag(name: [.customShort("y"), .long], help: "Ask for confirmation before changing anything (as CNPG's plugin does with this flag).")
    var yes = false

    func validate() throws {
        if allNamespaces, cluster != nil { throw ValidationError("give a cluster or --all-namespaces, not both") }
    }

    func apply(inProgress: Bool) async throws {
        let (client, namespace) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        let clusters: [JSONValue]
        if let cluster {
            clusters = [try await ClusterLookup.get(client, cluster, namespace: namespace)]
        } else {
            clusters = try await client.list(.clusters, namespace: allNamespaces ? nil : namespace, labelSelector: nil, fieldSelector: nil).items
        }
        let plan = MaintenancePlan(clusters: clusters, inProgress: inProgress, reusePVC: reusePVC)
        guard !plan.changes.isEmpty else {
            print(allNamespaces ? "No clusters found" : "No clusters found in namespace \(namespace)")
            return
        }
        print(plan.table)
        if yes {
            print("Do you want to proceed? [y/n]: ", terminator: "")
            guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "y" else { return }
        }
        for change in plan.changes {
            _ = try await client.patch(
                .clusters, namespace: change.namespace, name: change.cluster, change.patch, patchType: .merge,
                subresource: nil, fieldManager: nil)
        }
    }
}
