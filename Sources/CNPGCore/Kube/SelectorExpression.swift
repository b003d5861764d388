import Foundation

/// Label selectors in their query-string form (`app=web,tier!=db,env in (a,b),!legacy,owner`)
/// and field selectors (`metadata.name=x,status.phase!=Running`), parsed and matched as the API server does.
public struct SelectorExpression: Sendable, Equatable {
    public enum Operator: String, Sendable { case equals, notEquals, `in`, notIn, exists, doesNotExist }

    public struct Requirement: Sendable, Equatable {
        public var key: String
        public var op: Operator
        public var values: [String]
    }

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    public var requirements: [Requirement]

    public init(requirements: [Requirement] = []) { self.requirements = requirements }

    public var isEmpty: Bool { requirements.isEmpty }

    /// Parses a label selector; `fieldSelector` allows only `=`, `==` and `!=`.
    public init(parsing text: String, fieldSelector: Bool = false) throws(ParseError) {
        var requirements: [Requirement] = []
        for term in Self.splitTerms(text) {
            let term = term.trimmingCharacters(in: .whitespaces)
            if term.isEmpty { continue }
            if let range = term.range(of: " notin ") ?? term.range(of: " in "), !fieldSelector {
                let key = term[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                let list = term[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard list.hasPrefix("("), list.hasSuffix(")") else {
                    throw ParseError(description: "invalid selector term \"\(term)\": expected a parenthesised list")
                }
                let values = list.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                requirements.append(Requirement(key: try Self.checkedKey(key), op: term.contains(" notin ") ? .notIn : .in, values: values))
            } else if let range = term.range(of: "!=") {
                requirements.append(
                    Requirement(
                        key: try Self.checkedKey(String(term[..<range.lowerBound])), op: .notEquals,
                        values: [term[range.upperBound...].trimmingCharacters(in: .whitespaces)]))
            } else if let range = term.range(of: "==") ?? term.range(of: "=") {
                requirements.append(
                    Requirement(
                        key: try Self.checkedKey(String(term[..<range.lowerBound])), op: .equals,
                        values: [term[range.upperBound...].trimmingCharacters(in: .whitespaces)]))
            } else if fieldSelector {
                throw ParseError(description: "invalid field selector \"\(term)\": expected key=value or key!=value")
            } else if term.hasPrefix("!") {
                requirements.append(Requirement(key: try Self.checkedKey(String(term.dropFirst())), op: .doesNotExist, values: []))
            } else {
                requirements.append(Requirement(key: try Self.checkedKey(term), op: .exists, values: []))
            }
        }
        self.requirements = requirements
    }

    /// The requirements of a metav1.LabelSelector.
    public init(_ selector: LabelSelector) {
        var requirements = (selector.matchLabels ?? [:]).sorted(by: { $0.key < $1.key }).map { Requirement(key: $0.key, op: .equals, values: [$0.value]) }
        for expression in selector.matchExpressions ?? [] {
            let op: Operator
            switch expression.operator {
            case "In": op = .in
            case "NotIn": op = .notIn
            case "Exists": op = .exists
            default: op = .doesNotExist
            }
            requirements.append(Requirement(key: expression.key, op: op, values: expression.values ?? []))
        }
        self.requirements = requirements
    }

    public func matches(_ lookup: (String) -> String?) -> Bool {
        requirements.allSatisfy { requirement in
            let value = lookup(requirement.key)
            switch requirement.op {
            case .equals: return value == requirement.values.first
            case .notEquals: return value != requirement.values.first
            case .in: return value.map(requirement.values.contains) ?? false
            case .notIn: return !(value.map(requirement.values.contains) ?? false)
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            }
        }
    }

    public func matches(labels: [String: String]) -> Bool { matches { labels[$0] } }

    public var description: String {
        requirements.map { requirement in
            switch requirement.op {
            case .equals: return "\(requirement.key)=\(requirement.values.first ?? "")"
            case .notEquals: return "\(requirement.key)!=\(requirement.values.first ?? "")"
            case .in: return "\(requirement.key) in (\(requirement.values.joined(separator: ",")))"
            case .notIn: return "\(requirement.key) notin (\(requirement.values.joined(separator: ",")))"
            case .exists: return requirement.key
            case .doesNotExist: return "!\(requirement.key)"
            }
        }.joined(separator: ",")
    }

    /// Splits on commas outside parentheses.
    static func splitTerms(_ text: String) -> [String] {
        var terms: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == ",", depth == 0 {
                terms.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        terms.append(current)
        return terms
    }

    static func checkedKey(_ key: String) throws(ParseError) -> String {
        let key = key.trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }) else {
            throw ParseError(description: "invalid selector key \"\(key)\"")
        }
        return key
    }
}
