/// One metric family of a scrape (`# HELP`, `# TYPE` and its samples), as the Prometheus text
/// format 0.0.4 lays it out. The instance exporter builds these per scrape from SQL results (as
/// CNPG's Go collectors build constant metrics), so they are plain values rather than
/// swift-metrics instruments.
public struct MetricFamily: Sendable, Equatable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    public struct Sample: Sendable, Equatable {
        /// `""`, or `_bucket`/`_sum`/`_count` for histograms.
        public var suffix: String
        public var labels: [Label]
        public var value: Double

        public init(suffix: String = "", labels: [Label] = [], value: Double) {
            self.suffix = suffix
            self.labels = labels
            self.value = value
        }

        public static func == (a: Sample, b: Sample) -> Bool {
            a.suffix == b.suffix && a.labels == b.labels && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
        }
    }

    public struct Label: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]

    public init(name: String, help: String, kind: Kind, samples: [Sample] = []) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }

    public static func gauge(_ name: String, _ help: String, _ value: Double, labels: [Label] = []) -> MetricFamily {
        MetricFamily(name: name, help: help, kind: .gauge, samples: [Sample(labels: labels, value: value)])
    }

    public static func counter(_ name: String, _ help: String, _ value: Double, labels: [Label] = []) -> MetricFamily {
        MetricFamily(name: name, help: help, kind: .counter, samples: [Sample(labels: labels, value: value)])
    }
}

/// Families in first-seen order; samples of a family seen again are appended (the same query run
/// in several databases), a repeated label set is dropped, and a family redeclared with another
/// type is refused, as Prometheus's registry refuses inconsistent collections.
public struct MetricFamilySet: Sendable {
    public private(set) var families: [MetricFamily] = []
    private var index: [String: Int] = [:]

    public init() {}

    public init(_ families: [MetricFamily]) {
        for family in families { _ = add(family) }
    }

    /// False when the family clashes with one already added under its name.
    @discardableResult
    public mutating func add(_ family: MetricFamily) -> Bool {
        guard let position = index[family.name] else {
            index[family.name] = families.count
            var deduplicated = family
            deduplicated.samples = []
            families.append(deduplicated)
            append(family.samples, at: families.count - 1)
            return true
        }
        guard families[position].kind == family.kind else { return false }
        append(family.samples, at: position)
        return true
    }

    public mutating func add(contentsOf other: [MetricFamily]) {
        for family in other { add(family) }
    }

    private mutating func append(_ samples: [MetricFamily.Sample], at position: Int) {
        for sample in samples where !families[position].samples.contains(where: { $0.suffix == sample.suffix && $0.labels == sample.labels }) {
            families[position].samples.append(sample)
        }
    }
}

/// The Prometheus text exposition format, version 0.0.4.
public enum MetricsText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ families: [MetricFamily]) -> String {
        var output = ""
        for family in families where !family.samples.isEmpty {
            output += "# HELP \(family.name) \(PrometheusExposition.escape(family.help))\n"
            output += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                output += family.name + sample.suffix
                if !sample.labels.isEmpty {
                    output += "{" + sample.labels.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",") + "}"
                }
                output += " " + format(sample.value) + "\n"
            }
        }
        return output
    }

    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeLabelValue(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Metric and label names: `[a-zA-Z_:][a-zA-Z0-9_:]*` (labels without `:`).
    public static func isValidName(_ name: String, allowColon: Bool = true) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        func allowed(_ scalar: Unicode.Scalar, digits: Bool) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "_": return true
            case "0"..."9": return digits
            case ":": return allowColon
            default: return false
            }
        }
        return allowed(first, digits: false) && name.unicodeScalars.dropFirst().allSatisfy { allowed($0, digits: true) }
    }
}
