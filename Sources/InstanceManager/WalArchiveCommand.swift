import ArgumentParser
import CNPGCore
import Foundation

/// PostgreSQL's `archive_command` (CNPG sets it to `/controller/manager wal-archive ... %p`). No
/// WAL archive destination exists yet (object-store backups are not supported), so every segment
/// is reported archived at once, as CNPG's manager does without a backup configuration: failing
/// would make PostgreSQL keep every WAL segment forever and retry each second.
struct WalArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wal-archive",
        abstract: "Archive a WAL segment (archive_command). Without a configured WAL archive: succeed without copying."
    )

    @Option(name: .customLong("log-destination"), help: "File to append the JSON log line to (default: standard output).")
    var logDestination: String?

    @Argument(help: "The WAL file, relative to PGDATA (%p).")
    var walFile: String

    func validate() throws {
        guard !walFile.isEmpty, !walFile.contains("\n") else { throw ValidationError("the WAL file name is empty or invalid") }
    }

    func run() throws {
        let line =
            JSONText.serialize(
                .object([
                    ("level", .string("debug")), ("ts", .string(KubeTime.microTime(Date()))), ("logger", .string("wal-archive")),
                    ("msg", .string("no WAL archive configured: segment not copied")), ("walName", .string(walFile)),
                ])) + "\n"
        // The destination is the manager's log FIFO: never block on it (no reader, no line).
        guard let logDestination else {
            print(line, terminator: "")
            return
        }
        let descriptor = open(logDestination, O_WRONLY | O_APPEND | O_NONBLOCK)
        guard descriptor >= 0 else { return }
        _ = line.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        close(descriptor)
    }
}
