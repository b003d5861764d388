import Foundation

/// One measured quantity of `make bench`: every trial's value, summarised as CNPG-style median,
/// min and max. A figure with no samples says so instead of inventing zeros.
public struct BenchmarkFigure: Codable, Sendable, Equatable {
    public var name: String
    public var unit: String
    public var samples: [Double]
    /// What the figure is compared with (the issue's target), shown next to it.
    public var target: String?

    public init(name: String, unit: String, samples: [Double] = [], target: String? = nil) {
        (self.name, self.unit, self.samples, self.target) = (name, unit, samples, target)
    }

    public var median: Double? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
    public var minimum: Double? { samples.min() }
    public var maximum: Double? { samples.max() }

    /// The value at `fraction` (0...1) of the sorted samples, nearest-rank.
    public func percentile(_ fraction: Double) -> Double? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    enum CodingKeys: String, CodingKey { case name, unit, samples, target, median, min, max }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        unit = try container.decode(String.self, forKey: .unit)
        samples = try container.decode([Double].self, forKey: .samples)
        target = try container.decodeIfPresent(String.self, forKey: .target)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(unit, forKey: .unit)
        try container.encode(samples, forKey: .samples)
        try container.encodeIfPresent(target, forKey: .target)
        try container.encodeIfPresent(median, forKey: .median)
        try container.encodeIfPresent(minimum, forKey: .min)
        try container.encodeIfPresent(maximum, forKey: .max)
    }
}

/// The table `make bench` prints: one row per figure, values with the precision their unit needs.
public enum BenchmarkTable {
    public static func render(_ figures: [BenchmarkFigure]) -> String {
        let header = ["figure", "median", "min", "max", "trials", "unit", "target"]
        let rows = figures.map { figure -> [String] in
            [
                figure.name, format(figure.median), format(figure.minimum), format(figure.maximum), String(figure.samples.count),
                figure.unit, figure.target ?? "",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let line = { (cells: [String]) -> String in
            zip(cells, widths).enumerated().map { index, pair in
                index == 0 || index >= 5
                    ? pair.0.padding(toLength: pair.1, withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: pair.1 - pair.0.count) + pair.0
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// The same table in Markdown, for docs/performance.md.
    public static func markdown(_ figures: [BenchmarkFigure]) -> String {
        var lines = ["| figure | median | min | max | trials | unit | target |", "|---|---:|---:|---:|---:|---|---|"]
        for figure in figures {
            lines.append(
                "| \(figure.name) | \(format(figure.median)) | \(format(figure.minimum)) | \(format(figure.maximum)) | "
                    + "\(figure.samples.count) | \(figure.unit) | \(figure.target ?? "") |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        if value == value.rounded(), abs(value) >= 100 { return String(format: "%.0f", value) }
        return abs(value) >= 10 ? String(format: "%.1f", value) : String(format: "%.2f", value)
    }
}
