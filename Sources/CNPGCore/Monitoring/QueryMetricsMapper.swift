import Foundation

/// Turns one monitoring query's result rows into metric families, with CNPG's rules: LABEL
/// columns label every metric of the row (in declaration order), COUNTER/GAUGE export the value,
/// MAPPEDMETRIC maps text to a number, DURATION becomes `<…>_milliseconds`, HISTOGRAM reads
/// `<c>` (bucket bounds), `<c>_bucket` (cumulative counts), `<c>_sum`, `<c>_count`.
///
/// Rows come as ordered JSON objects (the exporter selects `row_to_json` of the query, which
/// keeps column names, order and SQL types).
public enum QueryMetricsMapper {
    public struct MappingError: Error, CustomStringConvertible, Equatable, Sendable {
        public var description: String
    }

    public static func families(for query: MonitoringQuery, rows: [JSONValue]) throws -> [MetricFamily] {
        var set = MetricFamilySet()
        for column in query.columns where column.usage != .discard && column.usage != .label {
            set.add(MetricFamily(name: metricName(query, column), help: help(query, column), kind: kind(column.usage)))
        }
        for row in rows {
            guard let members = row.objectMembers else { throw MappingError(description: "query \(query.key): a row is not an object") }
            let returned = members.map(\.0)
            guard Set(returned) == Set(query.expectedColumns), returned.count == query.expectedColumns.count else {
                throw MappingError(
                    description: "query \(query.key): the query returns columns \(returned.joined(separator: ", ")) "
                        + "but the metrics declare \(query.expectedColumns.joined(separator: ", "))")
            }
            let labels = query.columns.filter { $0.usage == .label }.map { MetricFamily.Label($0.name, labelValue(row[$0.name] ?? .null)) }
            for column in query.columns {
                if let family = try family(query, column, row: row, labels: labels) { set.add(family) }
            }
        }
        return set.families
    }

    private static func family(
        _ query: MonitoringQuery, _ column: MonitoringQuery.Column, row: JSONValue,
        labels: [MetricFamily.Label]
    ) throws -> MetricFamily? {
        let value = row[column.name] ?? .null
        let name = metricName(query, column)
        let help = help(query, column)
        switch column.usage {
        case .discard, .label:
            return nil
        case .counter, .gauge:
            return MetricFamily(name: name, help: help, kind: kind(column.usage), samples: [.init(labels: labels, value: number(value))])
        case .mappedMetric:
            guard let mapped = column.mapping[labelValue(value)] else { return nil }
            return .gauge(name, help, mapped, labels: labels)
        case .duration:
            guard let milliseconds = durationMilliseconds(value) else { return nil }
            return .gauge(name, help, milliseconds, labels: labels)
        case .histogram:
            let bounds = try numbers(value, query: query, column: column.name)
            let counts = try numbers(row[column.name + "_bucket"] ?? .null, query: query, column: column.name + "_bucket")
            guard bounds.count == counts.count else {
                throw MappingError(description: "query \(query.key): \(column.name) and \(column.name)_bucket differ in length")
            }
            var samples = zip(bounds, counts).map { bound, count in
                MetricFamily.Sample(suffix: "_bucket", labels: labels + [.init("le", MetricsText.format(bound))], value: count)
            }
            let count = number(row[column.name + "_count"] ?? .null)
            samples.append(.init(suffix: "_bucket", labels: labels + [.init("le", "+Inf")], value: count))
            samples.append(.init(suffix: "_sum", labels: labels, value: number(row[column.name + "_sum"] ?? .null)))
            samples.append(.init(suffix: "_count", labels: labels, value: count))
            return MetricFamily(name: name, help: help, kind: .histogram, samples: samples)
        }
    }

    public static func metricName(_ query: MonitoringQuery, _ column: MonitoringQuery.Column) -> String {
        let base = "\(query.prefix)_\(column.metricName ?? column.name)"
        return column.usage == .duration ? base + "_milliseconds" : base
    }

    private static func help(_ query: MonitoringQuery, _ column: MonitoringQuery.Column) -> String {
        column.description.isEmpty ? "Column \(column.name) of monitoring query \(query.key)" : column.description
    }

    private static func kind(_ usage: MonitoringQuery.Usage) -> MetricFamily.Kind {
        switch usage {
        case .counter: return .counter
        case .histogram: return .histogram
        default: return .gauge
        }
    }

    /// SQL NULL (and anything not a number) is NaN, as in CNPG's exporter.
    static func number(_ value: JSONValue) -> Double {
        switch value {
        case .int(let number): return Double(number)
        case .double(let number): return number
        case .bool(let flag): return flag ? 1 : 0
        case .string(let text):
            switch text {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return Double(text) ?? .nan
            }
        default: return .nan
        }
    }

    static func labelValue(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return MetricsText.format(number)
        default: return JSONText.serialize(value)
        }
    }

    private static func numbers(_ value: JSONValue, query: MonitoringQuery, column: String) throws -> [Double] {
        guard case .array(let items) = value else { throw MappingError(description: "query \(query.key): column \(column) must be an array") }
        return items.map(number)
    }

    /// A Go duration (`1h2m3s`) or a PostgreSQL interval (`01:02:03.5`, `3 days 01:00:00`); `-1`
    /// (and NULL) mean "no value".
    static func durationMilliseconds(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let number): return number < 0 ? nil : Double(number)
        case .double(let number): return number < 0 ? nil : number
        case .string(let text):
            if text == "-1" { return nil }
            if let seconds = GoDuration.seconds(text) { return seconds * 1000 }
            return intervalSeconds(text).map { $0 * 1000 }
        default: return nil
        }
    }

    private static func intervalSeconds(_ text: String) -> Double? {
        var total = 0.0
        var parts = text.split(separator: " ").map(String.init)
        while parts.count >= 2, let count = Double(parts[0]) {
            switch parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "s")) {
            case "day": total += count * 86_400
            case "mon": total += count * 30 * 86_400
            case "year": total += count * 365.25 * 86_400
            default: return nil
            }
            parts.removeFirst(2)
        }
        guard parts.count <= 1 else { return nil }
        if let clock = parts.first {
            let negative = clock.hasPrefix("-")
            let fields = clock.trimmingCharacters(in: CharacterSet(charactersIn: "-+")).split(separator: ":").compactMap { Double($0) }
            guard fields.count == 3 else { return nil }
            let seconds = fields[0] * 3600 + fields[1] * 60 + fields[2]
            total += negative ? -seconds : seconds
        }
        return total
    }
}
