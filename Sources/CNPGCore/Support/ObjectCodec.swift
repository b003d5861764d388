import Foundation

/// Moves API objects between `JSONValue` and typed structs, turning decoding failures into field errors.
public enum ObjectCodec {
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws(FieldError) -> T {
        let data = Data(JSONText.serialize(value).utf8)
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw fieldError(for: error, in: value)
        } catch {
            throw FieldError(.invalid, FieldPath(""), "\(error)")
        }
    }

    public static func encode<T: Encodable>(_ value: T) -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        guard let data = try? encoder.encode(value), let json = try? JSONText.parse(Array(data)) else { return .null }
        return json
    }

    /// Paths present in `original` that the typed round trip dropped: fields the API does not know.
    public static func unknownFields(original: JSONValue, decoded: JSONValue, path: FieldPath = FieldPath("")) -> [String] {
        switch (original, decoded) {
        case (.object(let members), .object(_)):
            var result: [String] = []
            for (key, value) in members {
                let childPath = path.child(key)
                if let counterpart = decoded[key] {
                    result += unknownFields(original: value, decoded: counterpart, path: childPath)
                } else if value != .null {
                    result.append(childPath.description)
                }
            }
            return result
        case (.array(let elements), .array(let decodedElements)):
            var result: [String] = []
            for (i, element) in elements.enumerated() where i < decodedElements.count {
                result += unknownFields(original: element, decoded: decodedElements[i], path: path.index(i))
            }
            return result
        default:
            return []
        }
    }

    private static func fieldError(for error: DecodingError, in document: JSONValue) -> FieldError {
        func path(_ codingPath: [CodingKey]) -> FieldPath {
            var result = FieldPath("")
            for key in codingPath {
                if let i = key.intValue, key.stringValue == String(i) || key.stringValue.hasPrefix("Index") {
                    result = result.index(i)
                } else {
                    result = result.child(key.stringValue)
                }
            }
            return result
        }
        func value(at codingPath: [CodingKey]) -> JSONValue? {
            var current: JSONValue? = document
            for key in codingPath {
                if let i = key.intValue, case .array(let elements)? = current {
                    current = i < elements.count ? elements[i] : nil
                } else {
                    current = current?[key.stringValue]
                }
            }
            return current
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .required(path(context.codingPath + [key]))
        case .typeMismatch(let type, let context):
            let found = value(at: context.codingPath)?.errorDescription ?? "null"
            return FieldError(.typeInvalid, path(context.codingPath), value: found, "expected \(typeName(type))")
        case .valueNotFound(let type, let context):
            return FieldError(.required, path(context.codingPath), "expected \(typeName(type)), found null")
        case .dataCorrupted(let context):
            let found = value(at: context.codingPath)?.errorDescription
            return FieldError(.invalid, path(context.codingPath), value: found, context.debugDescription)
        @unknown default:
            return FieldError(.invalid, FieldPath(""), "\(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "string"
        case is Bool.Type: return "boolean"
        case is Int.Type, is Int32.Type, is Int64.Type, is UInt32.Type: return "integer"
        case is Double.Type: return "number"
        case is [Any].Type: return "array"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "array" }
            if name.hasPrefix("Dictionary") { return "object" }
            return "object"
        }
    }
}
