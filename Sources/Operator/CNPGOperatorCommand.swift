import ArgumentParser
import CNPGCore

@main
struct CNPGOperatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnpg-operator",
        abstract: "A Kubernetes operator for PostgreSQL, compatible with CloudNativePG.",
        version: CNPG.operatorVersion,
        subcommands: [ValidateCommand.self, GenerateCommand.self]
    )
}
