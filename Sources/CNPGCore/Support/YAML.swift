import Yams

/// One document of a multi-document YAML stream, with the line where it starts.
public struct YAMLDocument: Sendable {
    public var value: JSONValue
    public var line: Int
}

public struct YAMLLoadError: Error, CustomStringConvertible, Sendable {
    public var line: Int?
    public var reason: String
    public var description: String {
        if let line { return "line \(line): \(reason)" }
        return reason
    }
}

/// Reads YAML (or JSON, which is YAML) into `JSONValue`s the way Kubernetes tooling does.
public enum YAMLLoader {
    public static func documents(from text: String) throws -> [YAMLDocument] {
        var result: [YAMLDocument] = []
        do {
            var nodes = try Yams.compose_all(yaml: text)
            while let node = nodes.next() {
                let value = try convert(node, depth: 0)
                if value == .null { continue }
                result.append(YAMLDocument(value: value, line: node.mark?.line ?? 1))
            }
            if let error = nodes.error { throw error }
        } catch let error as YAMLLoadError {
            throw error
        } catch let error as YamlError {
            throw describe(error)
        }
        return result
    }

    private static func describe(_ error: YamlError) -> YAMLLoadError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _), .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text): " } ?? ""
            return YAMLLoadError(line: mark.line, reason: prefix + problem)
        case .reader(let problem, _, _, _):
            return YAMLLoadError(line: nil, reason: problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return YAMLLoadError(line: context.mark.line, reason: "duplicate keys \(duplicates.joined(separator: ", "))")
        default:
            return YAMLLoadError(line: nil, reason: "\(error)")
        }
    }

    private static func convert(_ node: Node, depth: Int) throws -> JSONValue {
        guard depth < 256 else { throw YAMLLoadError(line: node.mark?.line, reason: "nesting too deep") }
        switch node {
        case .scalar(let scalar):
            return try convert(scalar)
        case .sequence(let sequence):
            return .array(try sequence.map { try convert($0, depth: depth + 1) })
        case .mapping(let mapping):
            var members: [(String, JSONValue)] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw YAMLLoadError(line: keyNode.mark?.line, reason: "mapping keys must be scalars")
                }
                let key = keyScalar.string
                if members.contains(where: { $0.0 == key }) {
                    throw YAMLLoadError(line: keyNode.mark?.line, reason: "duplicate key \"\(key)\"")
                }
                members.append((key, try convert(valueNode, depth: depth + 1)))
            }
            return .object(members)
        case .alias:
            throw YAMLLoadError(line: node.mark?.line, reason: "YAML aliases are not supported")
        }
    }

    private static func convert(_ scalar: Node.Scalar) throws -> JSONValue {
        let text = scalar.string
        switch Resolver.default.resolveTag(of: .scalar(scalar)) {
        case .null: return .null
        case .bool: return .bool(Bool.construct(from: scalar) ?? false)
        case .int:
            if let i = Int64(text.replacingOccurrences(of: "_", with: "")) { return .int(i) }
            if let i = Int.construct(from: scalar) { return .int(Int64(i)) }
            return .string(text)
        case .float:
            if let d = Double.construct(from: scalar) { return .double(d) }
            return .string(text)
        default:
            return .string(text)
        }
    }
}

/// Renders `JSONValue`s as block-style YAML that reads back to the same values.
public enum YAMLWriter {
    public static func render(_ value: JSONValue) -> String {
        let text = (try? Yams.serialize(node: node(for: value), indent: 2, width: -1, allowUnicode: true)) ?? JSONText.serialize(value, pretty: true)
        return text.hasSuffix("\n") ? text : text + "\n"
    }

    public static func render(documents: [JSONValue]) -> String {
        documents.map(render).joined(separator: "---\n")
    }

    private static func node(for value: JSONValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .int(let i): return Node(String(i), Tag(.int))
        case .double: return Node(JSONText.serialize(value), Tag(.float))
        case .string(let s): return Node(s, Tag(.str), style(for: s))
        case .array(let elements): return Node(elements.map(node(for:)), Tag(.seq), .block)
        case .object(let members):
            return Node(members.map { (Node($0.0, Tag(.str), style(for: $0.0)), node(for: $0.1)) }, Tag(.map), .block)
        }
    }

    private static func style(for string: String) -> Node.Scalar.Style {
        if string.contains("\n") { return .literal }
        if string.isEmpty || Resolver.default.resolveTag(of: Node(string)) != .str { return .doubleQuoted }
        if string.first == " " || string.last == " " { return .doubleQuoted }
        return .any
    }
}
