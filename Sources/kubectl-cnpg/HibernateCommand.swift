import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg hibernate on|off CLUSTER`: sets `cnpg.io/hibernation`. On, the operator deletes the
/// instances' pods (the primary first) and keeps their PVCs; off brings the pods back.
struct HibernateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hibernate",
        abstract: "Hibernate a cluster (its pods go, its data stays) or wake it up.",
        subcommands: [On.self, Off.self]
    )

    struct On: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "on", abstract: "Hibernate the cluster.")
        @OptionGroup var arguments: HibernateArguments
        func run() async throws { try await arguments.apply("on") }
    }

    struct Off: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "off", abstract: "Wake the cluster up.")
        @OptionGroup var arguments: HibernateArguments
        func run() async throws { try await arguments.apply("off") }
    }
}

struct HibernateArguments: ParsableArguments {
    @OptionGroup var connection: KubeconfigOptions

    @Argument(help: "The Cluster.")
    var cluster: String

    func apply(_ value: String) async throws {
        let (client, namespace) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        let object = try await ClusterLookup.get(client, cluster, namespace: namespace)
        let current = object["metadata"]?["annotations"]?[Hibernation.annotation]?.stringValue ?? "off"
        guard current != value else { throw PluginError("cluster \(cluster) is already in the requested state") }
        try await ClusterLookup.annotate(client, cluster, namespace: namespace, Hibernation.annotation, value)
        print(value == "on" ? "cluster \(cluster) will be hibernated" : "cluster \(cluster) will be woken up")
    }
}
