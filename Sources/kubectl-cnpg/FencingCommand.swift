import ArgumentParser
import CNPGCore
import Foundation

/// `kubectl cnpg fencing on|off CLUSTER INSTANCE|*`: edits the Cluster's `cnpg.io/fencedInstances`.
struct FencingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fencing",
        abstract: "Fence or unfence instances: a fenced instance's PostgreSQL is stopped, its pod stays, it is never failed over.",
        subcommands: [On.self, Off.self]
    )

    struct On: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "on", abstract: "Fence an instance (or \"*\" for all).")
        @OptionGroup var arguments: FencingArguments
        func run() async throws { try await arguments.apply(fence: true) }
    }

    struct Off: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "off", abstract: "Unfence an instance (or \"*\" for all).")
        @OptionGroup var arguments: FencingArguments
        func run() async throws { try await arguments.apply(fence: false) }
    }
}

struct FencingArguments: ParsableArguments {
    @OptionGroup var connection: KubeconfigOptions

    @Argument(help: "The Cluster.")
    var cluster: String

    @Argument(help: "The instance (pod name or serial number), or \"*\" for every instance.")
    var instance: String

    func apply(fence: Bool) async throws {
        let (client, namespace) = try connection.connect()
        defer { Task { try? await client.shutdown() } }
        let object = try await ClusterLookup.get(client, cluster, namespace: namespace)
        let target = instance == FencedInstances.everything ? instance : InstanceName.resolve(instance, cluster: cluster)
        if target != FencedInstances.everything {
            let known = object["status"]?["instanceNames"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard known.contains(target) else { throw PluginError("\(target) is not an instance of cluster \(cluster)") }
        }
        var fenced: FencedInstances
        do {
            fenced = try FencedInstances(annotationValue: object["metadata"]?["annotations"]?[FencedInstances.annotation]?.stringValue)
            if fence { fenced.fence(target) } else { try fenced.unfence(target) }
        } catch let problem as FencedInstances.Problem {
            throw PluginError(problem.description)
        }
        // The resourceVersion read guards against a concurrent edit of the list.
        let metadata: JSONValue = .object([
            ("resourceVersion", object["metadata"]?["resourceVersion"] ?? .null),
            ("annotations", .object([(FencedInstances.annotation, fenced.annotationValue.map(JSONValue.string) ?? .null)])),
        ])
        do {
            _ = try await client.patch(
                .clusters, namespace: namespace, name: cluster, .object([("metadata", metadata)]), patchType: .merge,
                subresource: nil, fieldManager: nil)
        } catch let error as KubeAPIError where error.code == 409 {
            throw PluginError("cluster \"\(cluster)\" changed meanwhile; try again")
        }
        print("\(target) \(fence ? "fenced" : "unfenced")")
    }
}
