import ArgumentParser
import CNPGCore

@main
struct CNPGOperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnpg-operator",
        abstract: "A Kubernetes operator for PostgreSQL, compatible with CloudNativePG.",
        version: CNPG.operatorVersion,
        subcommands: [ControllerCommand.self, ValidateCommand.self, GenerateCommand.self]
    )
}
