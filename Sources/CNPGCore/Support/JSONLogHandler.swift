import Foundation
import Logging

/// One JSON object per line on stderr, with CNPG's field names (`level`, `ts`, `logger`, `msg`,
/// then the metadata), so log pipelines built for CNPG read ours.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public let label: String
    private let sink: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level = .info, sink: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        sink(
            Self.line(
                level: event.level, label: label, message: event.message.description,
                metadata: metadata.merging(event.metadata ?? [:]) { _, new in new }, date: Date()))
    }

    static func line(level: Logger.Level, label: String, message: String, metadata: Logger.Metadata, date: Date) -> String {
        var fields: [(String, JSONValue)] = [
            ("level", .string(level == .warning ? "warning" : level.rawValue)),
            ("ts", .string(timestamp(date))),
            ("logger", .string(label)),
            ("msg", .string(message)),
        ]
        for key in metadata.keys.sorted() { fields.append((key, json(metadata[key]!))) }
        return JSONText.serialize(.object(fields))
    }

    static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let items): .array(items.map(json))
        case .dictionary(let entries): .object(entries.keys.sorted().map { ($0, json(entries[$0]!)) })
        }
    }

    /// CNPG's `ts` format: ISO 8601 in UTC with milliseconds.
    public static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Bootstraps swift-log with this handler at `level` (one of trace, debug, info, warning, error).
    public static func bootstrap(level: String) {
        let parsed = Logger.Level(rawValue: level == "warn" ? "warning" : level) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: parsed) }
    }
}
