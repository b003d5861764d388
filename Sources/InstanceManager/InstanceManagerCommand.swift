import ArgumentParser
import CNPGCore

@main
struct InstanceManagerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instance-manager",
        abstract: "The entrypoint of PostgreSQL instance pods managed by cnpg-operator.",
        discussion: "Supervising PostgreSQL (init, join, run) is not part of this build yet; this binary reports its version only.",
        version: CNPG.operatorVersion
    )
}
