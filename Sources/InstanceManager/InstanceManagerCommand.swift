import ArgumentParser
import CNPGCore
import Foundation

@main
struct InstanceManagerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instance-manager",
        abstract: "The entrypoint of PostgreSQL instance pods managed by cnpg-operator.",
        discussion: """
            Run as the PostgreSQL OS user (never root). Cluster and Secrets are read through the Kubernetes \
            API with the pod's service-account token, so the per-cluster Role is all it needs.
            """,
        version: CNPG.operatorVersion,
        subcommands: [InstanceCommand.self, BootstrapCommand.self, WalArchiveCommand.self, PgBouncerCommand.self]
    )
}

struct InstanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instance",
        abstract: "Create, clone and run a PostgreSQL instance of a Cluster.",
        subcommands: [InitCommand.self, JoinCommand.self, RestoreSnapshotCommand.self, RunCommand.self, StatusCommand.self]
    )
}

/// The init container's job: put this binary where the pod's main container runs it from.
struct BootstrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Copy this executable to TARGET (the bootstrap-controller init container)."
    )

    @Argument(help: "Where to copy the instance manager, e.g. /controller/manager.")
    var target: String

    @Option(name: .customLong("log-level"), help: "Log level: error, warning, info, debug or trace.")
    var logLevel = "info"

    func run() async throws {
        let source = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let temporary = target + ".new"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.copyItem(atPath: source.path, toPath: temporary)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temporary)
        guard rename(temporary, target) == 0 else {
            throw ValidationError("cannot install the instance manager at \(target): \(String(cString: strerror(errno)))")
        }
    }
}
