import CNPGCore
import Foundation

/// CNPG's log pipes: PostgreSQL's logging collector writes `postgres.csv` (csvlog) and `postgres`
/// (raw stderr) into FIFOs that the manager reads and re-emits on stdout as JSON lines, so
/// nothing accumulates on disk and every line reaches the container log.
enum LogPipes {
    static func start(logDirectory: String, podName: String) throws {
        let csv = logDirectory + "/postgres.csv"
        let raw = logDirectory + "/postgres"
        for path in [csv, raw] { try makeFIFO(path) }
        reader(path: csv, state: PostgresCSVLog()) { parser, bytes in
            for record in parser.feed(bytes) {
                let named = PostgresCSVLog.named(record).map { ($0.0, JSONValue.string($0.1)) }
                emit([
                    ("level", .string("info")), ("ts", .string(JSONLogHandler.timestamp())), ("logger", .string("postgres")),
                    ("msg", .string("record")), ("logging_pod", .string(podName)), ("record", .object(named)),
                ])
            }
        }
        reader(path: raw, state: ()) { _, bytes in
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                emit([
                    ("level", .string("info")), ("ts", .string(JSONLogHandler.timestamp())), ("logger", .string("postgres")),
                    ("msg", .string(String(line))), ("logging_pod", .string(podName)), ("source", .string(raw)),
                ])
            }
        }
    }

    static func makeFIFO(_ path: String) throws {
        var info = stat()
        if lstat(path, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFIFO { return }
            unlink(path)
        }
        guard mkfifo(path, 0o600) == 0 else {
            throw CocoaError(
                .fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot create the log pipe \(path): \(String(cString: strerror(errno)))"])
        }
    }

    /// A thread that owns the FIFO for the process lifetime (opened read-write so it never sees EOF
    /// when PostgreSQL restarts), and the state its handler keeps between reads.
    private static func reader<State: Sendable>(
        path: String, state initial: State,
        handle: @escaping @Sendable (inout State, [UInt8]) -> Void
    ) {
        let thread = Thread {
            let fd = open(path, O_RDWR)
            guard fd >= 0 else { return }
            var state = initial
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count <= 0 {
                    if count < 0, errno == EINTR { continue }
                    break
                }
                handle(&state, Array(buffer[0..<count]))
            }
        }
        thread.name = "log-pipe"
        thread.start()
    }

    private static let output = NSLock()

    static func emit(_ fields: [(String, JSONValue)]) {
        let line = JSONText.serialize(.object(fields)) + "\n"
        output.lock()
        FileHandle.standardOutput.write(Data(line.utf8))
        output.unlock()
    }
}
