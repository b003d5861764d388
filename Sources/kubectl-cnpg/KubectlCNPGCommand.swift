import ArgumentParser
import CNPGCore

@main
struct KubectlCNPGCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubectl-cnpg",
        abstract: "The kubectl plugin for PostgreSQL clusters managed by cnpg-operator (run as `kubectl cnpg`).",
        version: CNPG.operatorVersion,
        subcommands: [
            StatusCommand.self, PromoteCommand.self, BackupCommand.self, RestartCommand.self, ReloadCommand.self, FencingCommand.self, HibernateCommand.self,
            CertificateCommand.self, DestroyCommand.self, PsqlCommand.self, MaintenanceCommand.self, LogsCommand.self, InstallCommand.self, ReportCommand.self,
            Version.self,
        ]
    )

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the plugin version.")
        func run() { print("Build: {Version:\(CNPG.operatorVersion)}") }
    }
}
