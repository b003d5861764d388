/// One entry of a CNPG custom-queries document (`spec.monitoring.customQueriesConfigMap`/`Secret`,
/// and the default `cnpg-default-monitoring` queries): a SQL query whose columns become metrics
/// named `cnpg_<name or key>_<column>`.
public struct MonitoringQuery: Sendable, Equatable {
    public enum Usage: String, Sendable, CaseIterable {
        case discard = "DISCARD"
        case label = "LABEL"
        case counter = "COUNTER"
        case gauge = "GAUGE"
        case mappedMetric = "MAPPEDMETRIC"
        case duration = "DURATION"
        case histogram = "HISTOGRAM"
    }

    public struct Column: Sendable, Equatable {
        public var name: String
        public var usage: Usage
        public var description: String
        /// MAPPEDMETRIC: the text value → the number exported.
        public var mapping: [String: Double]
        /// Overrides the column's part of the metric name.
        public var metricName: String?

        public init(name: String, usage: Usage, description: String = "", mapping: [String: Double] = [:], metricName: String? = nil) {
            self.name = name
            self.usage = usage
            self.description = description
            self.mapping = mapping
            self.metricName = metricName
        }
    }

    public var key: String
    public var query: String
    public var predicateQuery: String?
    public var columns: [Column]
    public var primaryOnly: Bool
    /// A semver constraint on the server's version, such as `>=17.0.0`.
    public var runOnServer: String?
    /// Empty: the application database. Entries with `*`, `?` or `[` are glob patterns.
    public var targetDatabases: [String]
    public var name: String?

    public init(
        key: String, query: String, predicateQuery: String? = nil, columns: [Column], primaryOnly: Bool = false,
        runOnServer: String? = nil, targetDatabases: [String] = [], name: String? = nil
    ) {
        self.key = key
        self.query = query
        self.predicateQuery = predicateQuery
        self.columns = columns
        self.primaryOnly = primaryOnly
        self.runOnServer = runOnServer
        self.targetDatabases = targetDatabases
        self.name = name
    }

    /// The metric name prefix: `cnpg_<name or key>`.
    public var prefix: String { "cnpg_\(name ?? key)" }

    /// Every result column the query must return: the declared ones, plus `<c>_bucket`, `<c>_sum`
    /// and `<c>_count` for each histogram (CNPG counts them as declared).
    public var expectedColumns: [String] {
        columns.flatMap { column in
            column.usage == .histogram ? [column.name, column.name + "_bucket", column.name + "_sum", column.name + "_count"] : [column.name]
        }
    }
}

/// A later source's query with the same key replaces the earlier one (CNPG: "Query with the same
/// name already found. Overwriting the existing one."), keeping its position.
public struct MonitoringQuerySet: Sendable, Equatable {
    public private(set) var queries: [MonitoringQuery] = []
    public init() {}

    /// The keys replaced by this merge.
    @discardableResult
    public mutating func merge(_ more: [MonitoringQuery]) -> [String] {
        var replaced: [String] = []
        for query in more {
            if let position = queries.firstIndex(where: { $0.key == query.key }) {
                queries[position] = query
                replaced.append(query.key)
            } else {
                queries.append(query)
            }
        }
        return replaced
    }
}
