import Foundation

/// Safe quoting for SQL and PostgreSQL configuration files.
public enum SQLQuoting {
    public struct UnsafeText: Error, Equatable, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// `"name"` with embedded double quotes doubled (quote_ident). NUL is refused.
    public static func identifier(_ name: String) throws(UnsafeText) -> String {
        guard !name.isEmpty else { throw UnsafeText(reason: "an identifier cannot be empty") }
        guard !name.unicodeScalars.contains("\0") else { throw UnsafeText(reason: "an identifier cannot contain NUL") }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `'text'` with quotes doubled; backslashes make it an `E'...'` literal (quote_literal). NUL is refused.
    public static func literal(_ text: String) throws(UnsafeText) -> String {
        guard !text.unicodeScalars.contains("\0") else { throw UnsafeText(reason: "a literal cannot contain NUL") }
        let quoted = text.replacingOccurrences(of: "'", with: "''")
        if text.contains("\\") {
            return "E'" + quoted.replacingOccurrences(of: "\\", with: "\\\\") + "'"
        }
        return "'" + quoted + "'"
    }

    /// A value in postgresql.conf: single-quoted, `'` and `\` escaped. Line breaks and NUL are refused,
    /// since the file format has no way to carry them.
    public static func configurationValue(_ value: String) throws(UnsafeText) -> String {
        if value.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) {
            throw UnsafeText(reason: "configuration values cannot contain line breaks or NUL")
        }
        return "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }
}
