import ArgumentParser
import CNPGCore
import Foundation

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check Cluster, Pooler, Backup and ScheduledBackup manifests offline, as the admission webhook would.",
        discussion: """
            Reads multi-document YAML or JSON. For each document prints `FILE: Kind/name: valid` or \
            `FILE: Kind/name: invalid` followed by one line per error (`field.path: reason`). Documents of \
            other kinds are reported as skipped. Unknown fields are reported as warnings.

            Exit status: 0 when every CNPG document is valid, 1 when any is invalid, 2 when input cannot be \
            read or parsed.

            With --defaulted, the report goes to standard error and the defaulted objects to standard output.
            """
    )

    @Flag(name: .long, help: "Print the objects after defaulting (as the mutating webhook and CRD defaults leave them).")
    var defaulted = false

    @Option(name: [.short, .customLong("output")], help: "Format of --defaulted output: yaml or json.")
    var output: OutputFormat = .yaml

    @Argument(help: "Manifest files to check; '-' reads standard input.")
    var files: [String]

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case yaml, json
    }

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one FILE ('-' for standard input)") }
    }

    func run() throws {
        let validator = ManifestValidator(configuration: try OperatorConfiguration.fromEnvironment())
        var status = ManifestValidator.Status.valid
        var defaultedObjects: [JSONValue] = []
        for file in files {
            let label = file == "-" ? "<stdin>" : file
            let text: String
            do {
                text = try ManifestInput.read(file)
            } catch {
                printReport("\(label): cannot read: \(error.localizedDescription)")
                status = .unreadable
                continue
            }
            let report = validator.validate(text: text, label: label)
            report.lines.forEach(printReport)
            defaultedObjects += report.defaulted
            status = max(status, report.status)
        }
        if defaulted, !defaultedObjects.isEmpty {
            print(ManifestValidator.render(defaultedObjects, format: output.rawValue), terminator: "")
        }
        if status != .valid { throw ExitCode(status.rawValue) }
    }

    private func printReport(_ line: String) {
        if defaulted {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        } else {
            print(line)
        }
    }
}

/// Reads a manifest from a file, or from standard input for "-".
enum ManifestInput {
    static func read(_ file: String) throws -> String {
        let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        guard let text = String(data: data, encoding: .utf8) else {
            throw CocoaError(.fileReadInapplicableStringEncoding)
        }
        return text
    }
}
