import Foundation

extension JSONPatch {
    /// The RFC 6902 operations that turn `old` into `new`, rooted at `pointer`: objects are
    /// compared member by member, anything else (arrays included) is replaced whole.
    public static func operations(from old: JSONValue, to new: JSONValue, at pointer: String = "") -> [JSONValue] {
        guard old != new else { return [] }
        guard case .object(let oldMembers) = old, case .object(let newMembers) = new else {
            return [operation("replace", pointer, new)]
        }
        var operations: [JSONValue] = []
        for (key, _) in oldMembers where new[key] == nil {
            operations.append(.object([("op", .string("remove")), ("path", .string(pointer + "/" + escape(key)))]))
        }
        for (key, value) in newMembers {
            let path = pointer + "/" + escape(key)
            if let previous = old[key] {
                operations += self.operations(from: previous, to: value, at: path)
            } else {
                operations.append(operation("add", path, value))
            }
        }
        return operations
    }

    private static func operation(_ op: String, _ path: String, _ value: JSONValue) -> JSONValue {
        .object([("op", .string(op)), ("path", .string(path)), ("value", value)])
    }

    /// RFC 6901: `~` becomes `~0` and `/` becomes `~1` inside a reference token.
    static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}

extension JSONPatch {
    /// Server-side apply, approximated without managed fields: a merge patch in which lists of
    /// named objects (containers, ports, webhooks, ...) merge item by item, so fields another
    /// manager set on an item the applier also lists (a webhook's injected `caBundle`) survive.
    /// Items the applier no longer lists are removed, as they would be if it owned them.
    public static func applyPatch(_ target: JSONValue, with patch: JSONValue) -> JSONValue {
        switch (target, patch) {
        case (.object, .object(let patchMembers)):
            var result = target
            for (key, value) in patchMembers {
                if value == .null {
                    result = mergePatch(result, with: .object([(key, .null)]))
                } else {
                    result = result.setting(key, to: target[key].map { applyPatch($0, with: value) } ?? mergePatch(.null, with: value))
                }
            }
            return result
        case (.array(let current), .array(let items)) where isNamedList(current) && isNamedList(items):
            return .array(
                items.map { item in
                    current.first { $0["name"] == item["name"] }.map { applyPatch($0, with: item) } ?? item
                })
        default:
            return mergePatch(.null, with: patch)
        }
    }

    static func isNamedList(_ items: [JSONValue]) -> Bool {
        !items.isEmpty && items.allSatisfy { $0["name"]?.stringValue != nil }
    }
}
