/// Just enough of PostgreSQL's frontend/backend protocol (version 3) to run `SHOW` commands on
/// PgBouncer's admin console, which speaks only the simple query protocol: a startup message, one
/// query, the rows as text, and the end of the session.
public enum PgBouncerAdminProtocol {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// One result: column names and rows of text values (nil for SQL NULL).
    public struct ResultSet: Sendable, Equatable {
        public var columns: [String] = []
        public var rows: [[String?]] = []
        public init(columns: [String] = [], rows: [[String?]] = []) {
            self.columns = columns
            self.rows = rows
        }
    }

    public static func startup(user: String, database: String) -> [UInt8] {
        var body: [UInt8] = int32(196_608)  // protocol 3.0
        for (key, value) in [("user", user), ("database", database), ("application_name", "cnpg-pgbouncer-exporter")] {
            body += Array(key.utf8) + [0] + Array(value.utf8) + [0]
        }
        body.append(0)
        return int32(Int32(body.count + 4)) + body
    }

    public static func query(_ sql: String) -> [UInt8] {
        let body = Array(sql.utf8) + [0]
        return [UInt8(ascii: "Q")] + int32(Int32(body.count + 4)) + body
    }

    public static let terminate: [UInt8] = [UInt8(ascii: "X"), 0, 0, 0, 4]

    /// Big-endian, as every length and code in the protocol.
    public static func int32(_ value: Int32) -> [UInt8] {
        [
            UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
            UInt8(truncatingIfNeeded: value),
        ]
    }

    /// Reads the server's messages as they arrive; `feed` returns true once the server is ready
    /// for the next command (after the login, after each query's result).
    public struct Reader: Sendable {
        private var buffer: [UInt8] = []
        public private(set) var result = ResultSet()
        public init() {}

        public mutating func feed(_ bytes: [UInt8]) throws(Failure) -> Bool {
            buffer += bytes
            while buffer.count >= 5 {
                let length = Int(UInt32(buffer[1]) << 24 | UInt32(buffer[2]) << 16 | UInt32(buffer[3]) << 8 | UInt32(buffer[4]))
                guard length >= 4, length < 16 << 20 else { throw Failure("invalid message length \(length)") }
                guard buffer.count >= 1 + length else { return false }
                let type = buffer[0]
                let body = Array(buffer[5..<(1 + length)])
                buffer.removeFirst(1 + length)
                switch type {
                case UInt8(ascii: "R"):
                    guard body.count >= 4 else { throw Failure("short authentication message") }
                    let code = Int32(bitPattern: UInt32(body[0]) << 24 | UInt32(body[1]) << 16 | UInt32(body[2]) << 8 | UInt32(body[3]))
                    if code != 0 { throw Failure("the admin console asks for authentication method \(code); only peer authentication is supported") }
                case UInt8(ascii: "E"): throw Failure("the admin console answered: \(Self.errorMessage(body))")
                case UInt8(ascii: "T"): result = ResultSet(columns: try Self.columns(body))
                case UInt8(ascii: "D"): result.rows.append(try Self.row(body))
                case UInt8(ascii: "Z"): return true
                default: break  // ParameterStatus, BackendKeyData, CommandComplete, NoticeResponse
                }
            }
            return false
        }

        /// Starts collecting the next query's result.
        public mutating func reset() { result = ResultSet() }

        static func errorMessage(_ body: [UInt8]) -> String {
            var index = 0
            while index < body.count, body[index] != 0 {
                let field = body[index]
                index += 1
                let start = index
                while index < body.count, body[index] != 0 { index += 1 }
                if field == UInt8(ascii: "M") { return String(decoding: body[start..<index], as: UTF8.self) }
                index += 1
            }
            return "unknown error"
        }

        static func columns(_ body: [UInt8]) throws(Failure) -> [String] {
            guard body.count >= 2 else { throw Failure("short row description") }
            let count = Int(UInt16(body[0]) << 8 | UInt16(body[1]))
            var names: [String] = []
            var index = 2
            for _ in 0..<count {
                let start = index
                while index < body.count, body[index] != 0 { index += 1 }
                guard index < body.count else { throw Failure("truncated row description") }
                names.append(String(decoding: body[start..<index], as: UTF8.self))
                index += 1 + 18  // table OID, column number, type OID, size, modifier, format
            }
            return names
        }

        static func row(_ body: [UInt8]) throws(Failure) -> [String?] {
            guard body.count >= 2 else { throw Failure("short data row") }
            let count = Int(UInt16(body[0]) << 8 | UInt16(body[1]))
            var values: [String?] = []
            var index = 2
            for _ in 0..<count {
                guard index + 4 <= body.count else { throw Failure("truncated data row") }
                let length = Int32(
                    bitPattern: UInt32(body[index]) << 24 | UInt32(body[index + 1]) << 16 | UInt32(body[index + 2]) << 8 | UInt32(body[index + 3]))
                index += 4
                if length < 0 {
                    values.append(nil)
                    continue
                }
                guard index + Int(length) <= body.count else { throw Failure("truncated value") }
                values.append(String(decoding: body[index..<(index + Int(length))], as: UTF8.self))
                index += Int(length)
            }
            return values
        }
    }
}
