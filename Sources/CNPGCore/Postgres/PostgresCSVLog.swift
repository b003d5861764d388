/// PostgreSQL's csvlog format: records split from a byte stream (fields may hold quoted line
/// breaks) and named with the server's column names, for re-emission as JSON log lines.
public struct PostgresCSVLog: Sendable {
    /// csvlog columns (PostgreSQL 14+; older servers send fewer, named positionally).
    public static let columns = [
        "log_time", "user_name", "database_name", "process_id", "connection_from", "session_id", "session_line_num",
        "command_tag", "session_start_time", "virtual_transaction_id", "transaction_id", "error_severity", "sql_state_code",
        "message", "detail", "hint", "internal_query", "internal_query_pos", "context", "query", "query_pos", "location",
        "application_name", "backend_type", "leader_pid", "query_id",
    ]

    private var field: [UInt8] = []
    private var fields: [String] = []
    private var inQuotes = false
    private var quotePending = false

    public init() {}

    /// Feeds bytes; returns the records they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [[String]] {
        var records: [[String]] = []
        for byte in bytes {
            if quotePending {
                quotePending = false
                if byte == UInt8(ascii: "\"") {
                    field.append(byte)
                    continue
                }
                inQuotes = false
            }
            if inQuotes {
                if byte == UInt8(ascii: "\"") { quotePending = true } else { field.append(byte) }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inQuotes = true
            case UInt8(ascii: ","): endField()
            case UInt8(ascii: "\n"):
                endField()
                records.append(fields)
                fields = []
            case UInt8(ascii: "\r"): break
            default: field.append(byte)
            }
        }
        return records
    }

    private mutating func endField() {
        fields.append(String(decoding: field, as: UTF8.self))
        field = []
    }

    /// A record as named, non-empty fields in column order.
    public static func named(_ record: [String]) -> [(String, String)] {
        record.enumerated().compactMap { index, value in
            guard !value.isEmpty else { return nil }
            return (index < columns.count ? columns[index] : "column_\(index + 1)", value)
        }
    }
}
