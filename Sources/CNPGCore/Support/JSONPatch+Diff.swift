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
