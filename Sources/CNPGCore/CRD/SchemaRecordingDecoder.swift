/// Derives an `OpenAPISchema` from a type's own `Decodable` conformance.
///
/// The decoder answers every request with a placeholder and writes down what was asked for:
/// which keys, with which types, and whether through `decode` (required) or `decodeIfPresent`.
/// Because the synthesized `init(from:)` is the same code that parses user input, the CRD
/// schema cannot drift from the types.
public enum SchemaDeriver {
    public static func schema<T: Decodable>(for type: T.Type) -> OpenAPISchema {
        record(type, depth: 0).schema
    }

    static func record<T: Decodable>(_ type: T.Type, depth: Int) -> (schema: OpenAPISchema, placeholder: T?) {
        if let provider = type as? OpenAPISchemaProviding.Type {
            return (provider.openAPISchema, provider.schemaPlaceholder as? T)
        }
        if let primitive = primitive(type) { return primitive }
        if let collection = type as? SchemaCollection.Type {
            let (schema, placeholder) = collection.recordCollection(depth: depth + 1)
            return (schema, placeholder as? T)
        }
        guard depth < 40 else { return (.freeForm, nil) }
        let decoder = SchemaRecordingDecoder(depth: depth + 1)
        let placeholder = try? T(from: decoder)
        var schema = decoder.schema
        if let annotated = type as? OpenAPISchemaAnnotated.Type {
            for (name, annotation) in annotated.schemaAnnotations {
                guard let index = schema.properties.firstIndex(where: { $0.0 == name }) else { continue }
                annotation.apply(to: &schema.properties[index].1)
                if annotation.required, !schema.required.contains(name) { schema.required.append(name) }
            }
        }
        return (schema, placeholder)
    }

    private static func primitive<T>(_ type: T.Type) -> (OpenAPISchema, T?)? {
        switch type {
        case is String.Type: return (.string, "" as? T)
        case is Bool.Type: return (.boolean, false as? T)
        case is Int.Type: return (.int64, 0 as? T)
        case is Int64.Type: return (.int64, Int64(0) as? T)
        case is Int32.Type: return (.int32, Int32(0) as? T)
        case is UInt32.Type: return (.int64, UInt32(0) as? T)
        case is Double.Type: return (.number, 0.0 as? T)
        default: return nil
        }
    }
}

protocol SchemaCollection {
    static func recordCollection(depth: Int) -> (OpenAPISchema, Any)
}

extension Array: SchemaCollection where Element: Decodable {
    static func recordCollection(depth: Int) -> (OpenAPISchema, Any) {
        (.array(of: SchemaDeriver.record(Element.self, depth: depth).schema), [Element]())
    }
}

extension Dictionary: SchemaCollection where Key == String, Value: Decodable {
    static func recordCollection(depth: Int) -> (OpenAPISchema, Any) {
        (.map(of: SchemaDeriver.record(Value.self, depth: depth).schema), [String: Value]())
    }
}

struct SchemaRecordingError: Error {}

final class SchemaRecordingDecoder: Decoder {
    let depth: Int
    var codingPath: [CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    var schema = OpenAPISchema(type: "object")

    init(depth: Int) { self.depth = depth }

    func record<T: Decodable>(_ type: T.Type, key: String, required: Bool) -> T? {
        let (propertySchema, placeholder) = SchemaDeriver.record(type, depth: depth)
        if !schema.properties.contains(where: { $0.0 == key }) {
            schema.properties.append((key, propertySchema))
        }
        if required, !schema.required.contains(key) { schema.required.append(key) }
        return placeholder
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(KeyedRecorder<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        throw SchemaRecordingError()
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        throw SchemaRecordingError()
    }
}

struct KeyedRecorder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: SchemaRecordingDecoder
    var codingPath: [CodingKey] { [] }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { false }
    func decodeNil(forKey key: Key) throws -> Bool { true }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let value = decoder.record(type, key: key.stringValue, required: true) else { throw SchemaRecordingError() }
        return value
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        _ = decoder.record(type, key: key.stringValue, required: false)
        return nil
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(Wrapped<Bool>.self, forKey: key).value }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(Wrapped<String>.self, forKey: key).value }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(Wrapped<Double>.self, forKey: key).value }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(Wrapped<Int>.self, forKey: key).value }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(Wrapped<Int32>.self, forKey: key).value }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(Wrapped<Int64>.self, forKey: key).value }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(Wrapped<UInt32>.self, forKey: key).value }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try decodeIfPresent(Wrapped<Bool>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try decodeIfPresent(Wrapped<String>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try decodeIfPresent(Wrapped<Double>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try decodeIfPresent(Wrapped<Int>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try decodeIfPresent(Wrapped<Int32>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try decodeIfPresent(Wrapped<Int64>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try decodeIfPresent(Wrapped<UInt32>.self, forKey: key)?.value }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw SchemaRecordingError()
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer { throw SchemaRecordingError() }
    func superDecoder() throws -> Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> Decoder { decoder }
}

/// Routes the concrete-type overloads through the generic path so primitives are recorded too.
private struct Wrapped<Value: Decodable>: Decodable, OpenAPISchemaProviding {
    var value: Value
    init(from decoder: Decoder) throws { value = try Value(from: decoder) }
    init(value: Value) { self.value = value }
    static var openAPISchema: OpenAPISchema { SchemaDeriver.record(Value.self, depth: 0).schema }
    static var schemaPlaceholder: Wrapped<Value> {
        Wrapped(value: SchemaDeriver.record(Value.self, depth: 0).placeholder!)
    }
}
