/// A structural OpenAPI v3 schema, as a CustomResourceDefinition carries it.
public struct OpenAPISchema: Sendable, Equatable {
    public var type: String?
    public var format: String?
    public var description: String?
    public var properties: [(String, OpenAPISchema)] = []
    public var required: [String] = []
    /// Zero or one element: the schema of array items.
    public var items: [OpenAPISchema] = []
    /// Zero or one element: the schema of map values.
    public var additionalProperties: [OpenAPISchema] = []
    public var enumValues: [JSONValue] = []
    public var defaultValue: JSONValue?
    public var minimum: Int64?
    public var maximum: Int64?
    public var minLength: Int?
    public var maxLength: Int?
    public var minItems: Int?
    public var pattern: String?
    public var preserveUnknownFields = false
    public var intOrString = false
    public var embeddedResource = false

    public init(type: String? = nil, format: String? = nil) {
        self.type = type
        self.format = format
    }

    public static func == (lhs: OpenAPISchema, rhs: OpenAPISchema) -> Bool {
        lhs.json == rhs.json
    }

    public static let string = OpenAPISchema(type: "string")
    public static let boolean = OpenAPISchema(type: "boolean")
    public static let int32 = OpenAPISchema(type: "integer", format: "int32")
    public static let int64 = OpenAPISchema(type: "integer", format: "int64")
    public static let number = OpenAPISchema(type: "number")
    public static let dateTime = OpenAPISchema(type: "string", format: "date-time")

    public static var freeForm: OpenAPISchema {
        var schema = OpenAPISchema(type: "object")
        schema.preserveUnknownFields = true
        return schema
    }

    public static var intOrStringSchema: OpenAPISchema {
        var schema = OpenAPISchema()
        schema.intOrString = true
        return schema
    }

    public static func array(of element: OpenAPISchema) -> OpenAPISchema {
        var schema = OpenAPISchema(type: "array")
        schema.items = [element]
        return schema
    }

    public static func map(of value: OpenAPISchema) -> OpenAPISchema {
        var schema = OpenAPISchema(type: "object")
        schema.additionalProperties = [value]
        return schema
    }

    public func property(_ name: String) -> OpenAPISchema? {
        properties.first(where: { $0.0 == name })?.1
    }

    /// The schema in the JSON shape `apiextensions.k8s.io/v1` expects.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = []
        if let description { members.append(("description", .string(description))) }
        if let type { members.append(("type", .string(type))) }
        if let format { members.append(("format", .string(format))) }
        if intOrString {
            members.append(("anyOf", .array([.object([("type", .string("integer"))]), .object([("type", .string("string"))])])))
            members.append(("x-kubernetes-int-or-string", .bool(true)))
        }
        if let defaultValue { members.append(("default", defaultValue)) }
        if !enumValues.isEmpty { members.append(("enum", .array(enumValues))) }
        if let minimum { members.append(("minimum", .int(minimum))) }
        if let maximum { members.append(("maximum", .int(maximum))) }
        if let minLength { members.append(("minLength", .int(Int64(minLength)))) }
        if let maxLength { members.append(("maxLength", .int(Int64(maxLength)))) }
        if let minItems { members.append(("minItems", .int(Int64(minItems)))) }
        if let pattern { members.append(("pattern", .string(pattern))) }
        if let element = items.first { members.append(("items", element.json)) }
        if let value = additionalProperties.first { members.append(("additionalProperties", value.json)) }
        if !properties.isEmpty {
            members.append(("properties", .object(properties.map { ($0.0, $0.1.json) })))
        }
        if !required.isEmpty { members.append(("required", .array(required.map(JSONValue.string)))) }
        if embeddedResource { members.append(("x-kubernetes-embedded-resource", .bool(true))) }
        if preserveUnknownFields { members.append(("x-kubernetes-preserve-unknown-fields", .bool(true))) }
        return .object(members)
    }
}

/// A type whose schema is not what its Codable shape implies (quantities, int-or-string, free-form JSON).
public protocol OpenAPISchemaProviding {
    static var openAPISchema: OpenAPISchema { get }
    /// Any valid value, used while walking the types to derive schemas.
    static var schemaPlaceholder: Self { get }
}

/// Extra constraints on a type's properties (enums, defaults, bounds) that Codable cannot express.
public protocol OpenAPISchemaAnnotated {
    static var schemaAnnotations: [String: SchemaAnnotation] { get }
}

public struct SchemaAnnotation: Sendable {
    public var enumValues: [String] = []
    public var defaultValue: JSONValue?
    public var minimum: Int64?
    public var maximum: Int64?
    public var minLength: Int?
    public var maxLength: Int?
    public var pattern: String?
    public var required = false
    public var description: String?

    public init(
        enumValues: [String] = [], defaultValue: JSONValue? = nil, minimum: Int64? = nil, maximum: Int64? = nil,
        minLength: Int? = nil, maxLength: Int? = nil, pattern: String? = nil, required: Bool = false,
        description: String? = nil
    ) {
        self.enumValues = enumValues
        self.defaultValue = defaultValue
        self.minimum = minimum
        self.maximum = maximum
        self.minLength = minLength
        self.maxLength = maxLength
        self.pattern = pattern
        self.required = required
        self.description = description
    }

    public static func oneOf(_ values: String..., default defaultValue: String? = nil) -> SchemaAnnotation {
        SchemaAnnotation(enumValues: values, defaultValue: defaultValue.map(JSONValue.string))
    }

    func apply(to schema: inout OpenAPISchema) {
        if !enumValues.isEmpty { schema.enumValues = enumValues.map(JSONValue.string) }
        if let defaultValue { schema.defaultValue = defaultValue }
        if let minimum { schema.minimum = minimum }
        if let maximum { schema.maximum = maximum }
        if let minLength { schema.minLength = minLength }
        if let maxLength { schema.maxLength = maxLength }
        if let pattern { schema.pattern = pattern }
        if let description { schema.description = description }
    }
}
