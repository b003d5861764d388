import Foundation

/// JSON Merge Patch (RFC 7386) and JSON Patch (RFC 6902) over `JSONValue`.
public enum JSONPatch {
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// RFC 7386: objects merge recursively, `null` removes, anything else replaces.
    public static func mergePatch(_ target: JSONValue, with patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var members: [(String, JSONValue)]
        if case .object(let existing) = target { members = existing } else { members = [] }
        for (key, value) in patchMembers {
            let index = members.firstIndex(where: { $0.0 == key })
            if value == .null {
                if let index { members.remove(at: index) }
            } else if let index {
                members[index].1 = mergePatch(members[index].1, with: value)
            } else {
                members.append((key, mergePatch(.null, with: value)))
            }
        }
        return .object(members)
    }

    /// The merge patch that turns `old` into `new` (what a client sends to change only what differs).
    public static func mergePatchBetween(_ old: JSONValue, _ new: JSONValue) -> JSONValue? {
        guard case .object(let oldMembers) = old, case .object(let newMembers) = new else { return old == new ? nil : new }
        var patch: [(String, JSONValue)] = []
        for (key, value) in newMembers {
            if let previous = old[key] {
                if let child = mergePatchBetween(previous, value) { patch.append((key, child)) }
            } else {
                patch.append((key, value))
            }
        }
        for (key, _) in oldMembers where new[key] == nil { patch.append((key, .null)) }
        return patch.isEmpty ? nil : .object(patch)
    }

    /// RFC 6902: add, remove, replace, move, copy, test. The whole patch applies or nothing does.
    public static func apply(_ operations: JSONValue, to document: JSONValue) throws(Failure) -> JSONValue {
        guard case .array(let list) = operations else { throw Failure(description: "a JSON patch must be an array of operations") }
        var result = document
        for (index, operation) in list.enumerated() {
            guard let op = operation["op"]?.stringValue, let path = operation["path"]?.stringValue else {
                throw Failure(description: "operation \(index): op and path are required")
            }
            let pointer = try parsePointer(path)
            switch op {
            case "add":
                guard let value = operation["value"] else { throw Failure(description: "operation \(index): value is required") }
                result = try add(value, at: pointer, in: result)
            case "remove":
                result = try remove(at: pointer, in: result).document
            case "replace":
                guard let value = operation["value"] else { throw Failure(description: "operation \(index): value is required") }
                _ = try lookup(at: pointer, in: result)
                result = try add(value, at: pointer, in: try remove(at: pointer, in: result).document)
            case "move", "copy":
                guard let from = operation["from"]?.stringValue else { throw Failure(description: "operation \(index): from is required") }
                let source = try parsePointer(from)
                let moved = try lookup(at: source, in: result)
                if op == "move" { result = try remove(at: source, in: result).document }
                result = try add(moved, at: pointer, in: result)
            case "test":
                guard let expected = operation["value"] else { throw Failure(description: "operation \(index): value is required") }
                guard try lookup(at: pointer, in: result) == expected else { throw Failure(description: "operation \(index): test failed at \(path)") }
            default:
                throw Failure(description: "operation \(index): unknown op \(op)")
            }
        }
        return result
    }

    static func parsePointer(_ path: String) throws(Failure) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw Failure(description: "invalid JSON pointer \(path)") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func lookup(at pointer: [String], in document: JSONValue) throws(Failure) -> JSONValue {
        var current = document
        for token in pointer {
            switch current {
            case .object:
                guard let next = current[token] else { throw Failure(description: "path /\(pointer.joined(separator: "/")) does not exist") }
                current = next
            case .array(let elements):
                guard let index = Int(token), elements.indices.contains(index) else { throw Failure(description: "index \(token) out of range") }
                current = elements[index]
            default:
                throw Failure(description: "path /\(pointer.joined(separator: "/")) does not exist")
            }
        }
        return current
    }

    static func add(_ value: JSONValue, at pointer: [String], in document: JSONValue) throws(Failure) -> JSONValue {
        guard let token = pointer.first else { return value }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var members):
            if rest.isEmpty {
                if let index = members.firstIndex(where: { $0.0 == token }) { members[index].1 = value } else { members.append((token, value)) }
            } else {
                guard let index = members.firstIndex(where: { $0.0 == token }) else { throw Failure(description: "path segment \(token) does not exist") }
                members[index].1 = try add(value, at: rest, in: members[index].1)
            }
            return .object(members)
        case .array(var elements):
            if rest.isEmpty {
                if token == "-" {
                    elements.append(value)
                    return .array(elements)
                }
                guard let index = Int(token), index >= 0, index <= elements.count else { throw Failure(description: "index \(token) out of range") }
                elements.insert(value, at: index)
            } else {
                guard let index = Int(token), elements.indices.contains(index) else { throw Failure(description: "index \(token) out of range") }
                elements[index] = try add(value, at: rest, in: elements[index])
            }
            return .array(elements)
        default:
            throw Failure(description: "cannot add below a scalar at \(token)")
        }
    }

    static func remove(at pointer: [String], in document: JSONValue) throws(Failure) -> (document: JSONValue, removed: JSONValue) {
        guard let token = pointer.first else { throw Failure(description: "cannot remove the whole document") }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var members):
            guard let index = members.firstIndex(where: { $0.0 == token }) else { throw Failure(description: "path segment \(token) does not exist") }
            if rest.isEmpty {
                let removed = members.remove(at: index).1
                return (.object(members), removed)
            }
            let inner = try remove(at: rest, in: members[index].1)
            members[index].1 = inner.document
            return (.object(members), inner.removed)
        case .array(var elements):
            guard let index = Int(token), elements.indices.contains(index) else { throw Failure(description: "index \(token) out of range") }
            if rest.isEmpty {
                let removed = elements.remove(at: index)
                return (.array(elements), removed)
            }
            let inner = try remove(at: rest, in: elements[index])
            elements[index] = inner.document
            return (.array(elements), inner.removed)
        default:
            throw Failure(description: "path segment \(token) does not exist")
        }
    }
}
