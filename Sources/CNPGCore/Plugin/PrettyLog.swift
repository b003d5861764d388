/// `kubectl cnpg logs pretty`: the JSON log lines of the operator and the instance managers (and
/// PostgreSQL's records they relay) as one readable line each.
public enum PrettyLog {
    public enum Level: Int, Comparable, Sendable, CaseIterable {
        case debug, info, warning, error

        /// `trace`→debug, `warn`/`notice`→warning, `critical`/`fatal`/`panic`→error; nil for anything else.
        public init?(_ text: String) {
            switch text.lowercased() {
            case "trace", "debug": self = .debug
            case "info", "log": self = .info
            case "notice", "warn", "warning": self = .warning
            case "error", "critical", "fatal", "panic": self = .error
            default: return nil
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
        var label: String { ["DEBUG", "INFO", "WARNING", "ERROR"][rawValue] }
    }

    public struct Filter: Sendable {
        public var minimumLevel: Level = .debug
        /// Only these pods (`logging_pod`), when set.
        public var pods: Set<String>?
        /// Only these loggers, when set.
        public var loggers: Set<String>?
        /// Every other field as `key=value` after the message.
        public var verbose = false
        public init() {}
    }

    static let shown: Set<String> = ["level", "ts", "logger", "msg", "logging_pod", "record"]

    /// The readable line, nil when the filter drops it. A line that is not a JSON object (what a
    /// process printed before logging was set up) passes as it is, unless the filter asks for a
    /// pod, a logger or a level it cannot be attributed to.
    public static func render(_ line: String, filter: Filter = Filter()) -> String? {
        guard let entry = try? JSONText.parse(Array(line.utf8)), let members = entry.objectMembers else {
            return filter.pods == nil && filter.loggers == nil && filter.minimumLevel == .debug ? line : nil
        }
        var level = Level(entry["level"]?.stringValue ?? "info") ?? .info
        let record = entry["record"]
        if let severity = record?["error_severity"]?.stringValue, let parsed = Level(severity) { level = max(level, parsed) }
        guard level >= filter.minimumLevel else { return nil }
        let pod = entry["logging_pod"]?.stringValue ?? "-"
        let logger = entry["logger"]?.stringValue ?? "-"
        if let pods = filter.pods, !pods.contains(pod) { return nil }
        if let loggers = filter.loggers, !loggers.contains(logger) { return nil }
        var message = entry["msg"]?.stringValue ?? ""
        if let record {
            let severity = record["error_severity"]?.stringValue ?? "LOG"
            message = "\(severity): \(record["message"]?.stringValue ?? "")"
            if let detail = record["detail"]?.stringValue, !detail.isEmpty { message += " (\(detail))" }
        }
        var fields = [entry["ts"]?.stringValue ?? "-", level.label.padding(toLength: 7, withPad: " ", startingAt: 0), pod, logger, message]
        if filter.verbose {
            fields += members.filter { !shown.contains($0.0) }.sorted { $0.0 < $1.0 }.map { key, value in
                "\(key)=\(value.stringValue ?? JSONText.serialize(value))"
            }
        } else if let error = entry["error"]?.stringValue {
            fields.append("error=\(error)")
        }
        return fields.joined(separator: " ")
    }

    /// Lines of a group in time order (`ts` is RFC 3339, so text order is time order); lines
    /// without one keep their place relative to each other, first.
    public static func sortedByTime(_ lines: [String]) -> [String] {
        let keyed = lines.enumerated().map { index, line in
            (index, (try? JSONText.parse(Array(line.utf8)))?["ts"]?.stringValue ?? "", line)
        }
        return keyed.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.2)
    }
}
