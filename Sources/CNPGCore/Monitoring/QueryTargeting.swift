/// Which servers and databases a monitoring query runs on: `runonserver` semver constraints and
/// `target_databases` globs.
public enum QueryTargeting {
    /// A server version (major, minor, patch) satisfies a constraint such as `>=17.0.0`,
    /// `>=10.0.0 <17.0.0` (all must hold) or `<12 || >=15` (any side). Unreadable constraints
    /// never match, so a typo disables the query instead of running it everywhere.
    public static func version(_ version: [Int], satisfies constraint: String) -> Bool {
        constraint.components(separatedBy: "||").contains { alternative in
            let terms = alternative.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
            var pending: String?
            var comparisons: [(String, [Int])] = []
            for term in terms {
                if ["<", "<=", ">", ">=", "=", "==", "!="].contains(term) {
                    pending = term
                    continue
                }
                let split = term.firstIndex(where: { $0.isNumber }) ?? term.endIndex
                let op = pending ?? String(term[..<split])
                pending = nil
                let numbers = term[split...].split(separator: ".").map { Int($0) }
                guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) else { return false }
                comparisons.append((op.isEmpty ? "=" : op, numbers.compactMap { $0 }))
            }
            guard !comparisons.isEmpty else { return false }
            return comparisons.allSatisfy { op, bound in compare(version, op, bound) }
        }
    }

    private static func compare(_ version: [Int], _ op: String, _ bound: [Int]) -> Bool {
        let width = 3
        let left = (version + Array(repeating: 0, count: width)).prefix(width)
        let right = (bound + Array(repeating: 0, count: width)).prefix(width)
        let order: Int = zip(left, right).first(where: { $0 != $1 }).map { $0 < $1 ? -1 : 1 } ?? 0
        switch op {
        case "<": return order < 0
        case "<=": return order <= 0
        case ">": return order > 0
        case ">=": return order >= 0
        case "=", "==": return order == 0
        case "!=": return order != 0
        default: return false
        }
    }

    public static func isPattern(_ target: String) -> Bool {
        target.contains { "*?[".contains($0) }
    }

    /// The databases a query runs in: literal names as given, patterns expanded over the
    /// connectable databases; the application database when none is listed.
    public static func databases(for query: MonitoringQuery, applicationDatabase: String, connectable: [String]) -> [String] {
        guard !query.targetDatabases.isEmpty else { return [applicationDatabase] }
        var result: [String] = []
        for target in query.targetDatabases {
            let matches = isPattern(target) ? connectable.filter { glob(target, matches: $0) } : [target]
            for name in matches where !result.contains(name) { result.append(name) }
        }
        return result
    }

    /// Shell-style matching: `*`, `?`, `[abc]`, `[a-z]`, `[!a]`.
    public static func glob(_ pattern: String, matches name: String) -> Bool {
        match(Array(pattern), 0, Array(name), 0)
    }

    private static func match(_ pattern: [Character], _ p: Int, _ text: [Character], _ t: Int) -> Bool {
        guard p < pattern.count else { return t == text.count }
        switch pattern[p] {
        case "*":
            return (t...text.count).contains { match(pattern, p + 1, text, $0) }
        case "?":
            return t < text.count && match(pattern, p + 1, text, t + 1)
        case "[":
            guard t < text.count, let close = pattern[(p + 1)...].firstIndex(of: "]") else {
                return t < text.count && pattern[p] == text[t] && match(pattern, p + 1, text, t + 1)
            }
            var set = Array(pattern[(p + 1)..<close])
            let negated = set.first == "!" || set.first == "^"
            if negated { set.removeFirst() }
            var found = false
            var index = 0
            while index < set.count {
                if index + 2 < set.count, set[index + 1] == "-" {
                    if set[index] <= text[t], text[t] <= set[index + 2] { found = true }
                    index += 3
                } else {
                    if set[index] == text[t] { found = true }
                    index += 1
                }
            }
            return found != negated && match(pattern, close + 1, text, t + 1)
        default:
            return t < text.count && pattern[p] == text[t] && match(pattern, p + 1, text, t + 1)
        }
    }
}
