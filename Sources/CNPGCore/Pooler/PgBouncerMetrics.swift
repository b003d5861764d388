/// PgBouncer's admin views as CNPG's exporter names them (port 9127): `SHOW LISTS` as
/// `cnpg_pgbouncer_lists_<list>`, `SHOW POOLS` as `cnpg_pgbouncer_pools_<column>{database,user}`,
/// `SHOW STATS` as `cnpg_pgbouncer_stats_<column>{database}`; text columns are left out.
public enum PgBouncerMetrics {
    public static func families(
        lists: PgBouncerAdminProtocol.ResultSet, pools: PgBouncerAdminProtocol.ResultSet,
        stats: PgBouncerAdminProtocol.ResultSet
    ) -> [MetricFamily] {
        var set = MetricFamilySet()
        if let list = lists.columns.firstIndex(of: "list"), let items = lists.columns.firstIndex(of: "items") {
            for row in lists.rows {
                guard let name = row[list], let value = row[items].flatMap(Double.init) else { continue }
                _ = set.add(.gauge("cnpg_pgbouncer_lists_\(metricName(name))", "SHOW LISTS: \(name)", value))
            }
        }
        add(pools, prefix: "cnpg_pgbouncer_pools_", view: "SHOW POOLS", labels: ["database", "user"], into: &set)
        add(stats, prefix: "cnpg_pgbouncer_stats_", view: "SHOW STATS", labels: ["database"], into: &set)
        return set.families
    }

    static func add(_ result: PgBouncerAdminProtocol.ResultSet, prefix: String, view: String, labels: [String], into set: inout MetricFamilySet) {
        let labelIndexes = labels.compactMap { label in result.columns.firstIndex(of: label).map { (label, $0) } }
        var families: [String: MetricFamily] = [:]
        var order: [String] = []
        for row in result.rows {
            let rowLabels = labelIndexes.map { MetricFamily.Label($0.0, row[$0.1] ?? "") }
            for (index, column) in result.columns.enumerated() where !labels.contains(column) {
                guard index < row.count, let value = row[index].flatMap(Double.init) else { continue }
                let name = prefix + metricName(column)
                if families[name] == nil {
                    families[name] = MetricFamily(name: name, help: "\(view): \(column)", kind: .gauge)
                    order.append(name)
                }
                families[name]?.samples.append(.init(labels: rowLabels, value: value))
            }
        }
        for name in order { _ = set.add(families[name]!) }
    }

    static func metricName(_ text: String) -> String {
        String(text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}
