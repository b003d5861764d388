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
        reader(path: csv) { parser, bytes in
            var parser = parser
            for record in parser.feed(bytes) {
                let named = PostgresCSVLog.named(record).map { ($0.0, JSONValue.string($0.1)) }
                emit([("level", .string("info")), ("ts", .string(timestamp())), ("logger", .string("postgres")),
                      ("msg", .string("record")), ("logging_pod", .string(podName)), ("record", .object(named))])
            }
            return parser
        }
        reader(path: raw) { parser, bytes in
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                emit([("level", .string("info")), ("ts", .string(timestamp())), ("logger", .string("postgres")),
                      ("msg", .string(String(line))), ("logging_pod", .string(podName)), ("source", .string(raw))])
            }
            return parser
        }
    }

    static func makeFIFO(_ path: String) throws {
        var info = stat()
        if lstat(path, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFIFO { return }
            unlink(path)
        }
        guard mkfifo(path, 0o600) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot create the log pipe \(path): \(String(cString: strerror(errno)))"])
        }
    }

    /// A thread that owns the FIFO for the process lifetime (opened read-write so it never sees EOF
    /// when PostgreSQL restarts).
    private static func reader(path: String, handle: @escaping @Sendable (PostgresCSVLog, [UInt8]) -> PostgresCSVLog) {
        let thread = Thread {
            let fd = open(path, O_RDWR)
            guard fd >= 0 else { return }
            var parser = PostgresCSVLog()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count <= 0 {
                    if count < 0, errno == EINTR { continue }
                    break
                }
                parser = handle(parser, Array(buffer[0..<count]))
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

    static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
