/// Applies schema defaults the way the Kubernetes API server does for CRDs: a default fills a
/// missing property only where its parent object exists.
public enum SchemaDefaulter {
    public static func apply(_ schema: OpenAPISchema, to value: JSONValue) -> JSONValue {
        switch value {
        case .object(var members):
            for (name, propertySchema) in schema.properties {
                if let index = members.firstIndex(where: { $0.0 == name }) {
                    members[index].1 = apply(propertySchema, to: members[index].1)
                } else if let defaultValue = propertySchema.defaultValue {
                    members.append((name, apply(propertySchema, to: defaultValue)))
                }
            }
            if let valueSchema = schema.additionalProperties.first {
                members = members.map { ($0.0, apply(valueSchema, to: $0.1)) }
            }
            return .object(members)
        case .array(let elements):
            guard let itemSchema = schema.items.first else { return value }
            return .array(elements.map { apply(itemSchema, to: $0) })
        default:
            return value
        }
    }
}

/// Checks the constraints a CRD schema declares (enum, bounds, lengths, pattern, required),
/// reporting them as field errors like the API server does.
public enum SchemaValidator {
    public static func validate(_ value: JSONValue, against schema: OpenAPISchema, at path: FieldPath = FieldPath("")) -> [FieldError] {
        var errors: [FieldError] = []
        if !schema.enumValues.isEmpty, !schema.enumValues.contains(value) {
            let supported = schema.enumValues.compactMap(\.stringValue)
            errors.append(
                FieldError(
                    .notSupported, path, value: value.errorDescription,
                    "supported values: " + supported.map { "\"\($0)\"" }.joined(separator: ", ")))
        }
        switch value {
        case .int(let i):
            if let minimum = schema.minimum, i < minimum {
                errors.append(.invalid(path, i, "should be greater than or equal to \(minimum)"))
            }
            if let maximum = schema.maximum, i > maximum {
                errors.append(.invalid(path, i, "should be less than or equal to \(maximum)"))
            }
        case .string(let s):
            if let minLength = schema.minLength, s.count < minLength {
                errors.append(.invalid(path, s, "should be at least \(minLength) chars long"))
            }
            if let maxLength = schema.maxLength, s.count > maxLength {
                errors.append(FieldError(.tooLong, path, value: "\"\(s)\"", "may not be more than \(maxLength) bytes"))
            }
            if let pattern = schema.pattern, !s.matches(pattern) {
                errors.append(.invalid(path, s, "should match '\(pattern)'"))
            }
        case .object(let members):
            for name in schema.required where value[name] == nil {
                errors.append(.required(path.child(name)))
            }
            for (name, member) in members {
                if let propertySchema = schema.property(name) {
                    errors += validate(member, against: propertySchema, at: path.child(name))
                } else if let valueSchema = schema.additionalProperties.first {
                    errors += validate(member, against: valueSchema, at: path.key(name))
                }
            }
        case .array(let elements):
            if let itemSchema = schema.items.first {
                for (i, element) in elements.enumerated() {
                    errors += validate(element, against: itemSchema, at: path.index(i))
                }
            }
        default:
            break
        }
        return errors
    }
}
