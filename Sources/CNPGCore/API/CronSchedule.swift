import Foundation

/// A cron schedule in robfig/cron's syntax as CNPG uses it: 6 fields (seconds first), 5 fields,
/// or a descriptor (`@daily`, `@every 1h`).
public struct CronSchedule: Sendable, Equatable {
    public struct Problem: Error, Sendable, Equatable {
        public let message: String
    }

    /// Allowed values per field, in order: second, minute, hour, day of month, month, day of week.
    public var fields: [Set<Int>]
    public var fieldCount: Int
    public var every: Double?

    private static let bounds: [(ClosedRange<Int>, [String: Int])] = [
        (0...59, [:]), (0...59, [:]), (0...23, [:]), (1...31, [:]),
        (1...12, ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]),
        (0...6, ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]),
    ]

    private static let descriptors: [String: String] = [
        "@yearly": "0 0 0 1 1 *", "@annually": "0 0 0 1 1 *", "@monthly": "0 0 0 1 * *",
        "@weekly": "0 0 0 * * 0", "@daily": "0 0 0 * * *", "@midnight": "0 0 0 * * *", "@hourly": "0 0 * * * *",
    ]

    public static func parse(_ text: String) -> Result<CronSchedule, Problem> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("@every ") {
            guard let seconds = GoDuration.seconds(String(trimmed.dropFirst(7))), seconds > 0 else {
                return .failure(Problem(message: "invalid duration in @every schedule"))
            }
            return .success(CronSchedule(fields: [], fieldCount: 6, every: seconds))
        }
        if let expanded = descriptors[trimmed] {
            return parse(expanded)
        }
        if trimmed.hasPrefix("@") { return .failure(Problem(message: "unrecognized descriptor \(trimmed)")) }
        var parts = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let count = parts.count
        guard count == 5 || count == 6 else {
            return .failure(Problem(message: "expected 5 or 6 fields, found \(count)"))
        }
        if count == 5 { parts.insert("0", at: 0) }
        var fields: [Set<Int>] = []
        for (index, part) in parts.enumerated() {
            switch parseField(part, bounds: bounds[index].0, names: bounds[index].1) {
            case .success(let values): fields.append(values)
            case .failure(let problem): return .failure(problem)
            }
        }
        return .success(CronSchedule(fields: fields, fieldCount: count, every: nil))
    }

    private static func parseField(_ field: String, bounds: ClosedRange<Int>, names: [String: Int]) -> Result<Set<Int>, Problem> {
        var values: Set<Int> = []
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { return .failure(Problem(message: "too many slashes in \"\(item)\"")) }
            var step = 1
            if stepParts.count == 2 {
                guard let parsed = Int(stepParts[1]), parsed > 0 else { return .failure(Problem(message: "invalid step in \"\(item)\"")) }
                step = parsed
            }
            let range = stepParts[0]
            var low: Int
            var high: Int
            if range == "*" || range == "?" {
                low = bounds.lowerBound
                high = bounds.upperBound
            } else {
                let ends = range.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2, let first = value(ends[0], names: names) else {
                    return .failure(Problem(message: "invalid value \"\(range)\""))
                }
                low = first
                if ends.count == 2 {
                    guard let last = value(ends[1], names: names) else { return .failure(Problem(message: "invalid value \"\(range)\"")) }
                    high = last
                } else {
                    high = stepParts.count == 2 ? bounds.upperBound : first
                }
            }
            guard bounds.contains(low), bounds.contains(high), low <= high else {
                return .failure(Problem(message: "value \"\(item)\" out of range \(bounds.lowerBound)-\(bounds.upperBound)"))
            }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        return .success(values)
    }

    private static func value(_ text: Substring, names: [String: Int]) -> Int? {
        Int(text) ?? names[text.lowercased()]
    }
}
