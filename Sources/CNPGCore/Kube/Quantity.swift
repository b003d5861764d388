import Foundation

/// A Kubernetes resource quantity (`1Gi`, `500m`, `2`, `1e3`), kept as written and compared by value.
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let text: String
    /// The exact value in base units (bytes, cores, ...).
    public let value: Decimal

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let text: String
        public var description: String {
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        }
    }

    private static let binarySuffixes: [String: Int] = ["Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60]
    private static let decimalSuffixes: [String: Int] = ["n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18]

    public init(_ text: String) throws {
        let trimmed = text
        var index = trimmed.startIndex
        if index < trimmed.endIndex, trimmed[index] == "+" || trimmed[index] == "-" { index = trimmed.index(after: index) }
        let numberStart = index
        while index < trimmed.endIndex, trimmed[index].isASCII, trimmed[index].isNumber || trimmed[index] == "." {
            index = trimmed.index(after: index)
        }
        let numberText = String(trimmed[trimmed.startIndex..<index])
        let suffix = String(trimmed[index...])
        guard numberStart < index, numberText.filter({ $0 == "." }).count <= 1,
            numberText.last != ".", let number = Decimal(string: numberText, locale: Locale(identifier: "en_US_POSIX"))
        else { throw ParseError(text: text) }

        let multiplier: Decimal
        if let power = Self.binarySuffixes[suffix] {
            multiplier = Self.pow2(power)
        } else if let exponent = Self.decimalSuffixes[suffix] {
            multiplier = Self.pow10(exponent)
        } else if let first = suffix.first, first == "e" || first == "E", let exponent = Int(suffix.dropFirst()), abs(exponent) <= 30 {
            multiplier = Self.pow10(exponent)
        } else {
            throw ParseError(text: text)
        }
        self.text = text
        self.value = number * multiplier
    }

    /// A quantity of bytes written the way Kubernetes prints them when exact (`1Gi`), else as a plain number.
    public init(bytes: Int64) {
        var suffixIndex = 0
        var amount = bytes
        let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
        while amount != 0, amount % 1024 == 0, suffixIndex < suffixes.count - 1 {
            amount /= 1024
            suffixIndex += 1
        }
        self.text = "\(amount)\(suffixes[suffixIndex])"
        self.value = Decimal(bytes)
    }

    private static func pow2(_ n: Int) -> Decimal {
        var result = Decimal(1)
        for _ in 0..<n { result *= 2 }
        return result
    }

    private static func pow10(_ n: Int) -> Decimal {
        var result = Decimal(1)
        if n >= 0 { for _ in 0..<n { result *= 10 } } else { for _ in 0..<(-n) { result /= 10 } }
        return result
    }

    public var description: String { text }
    public var isZero: Bool { value == 0 }
    /// Value rounded up to a whole number of base units.
    public var integerValue: Int64 {
        var source = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &source, 0, .up)
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.value < rhs.value }
}

extension Quantity: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else {
            let double = try container.decode(Double.self)
            text = String(double)
        }
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\": \((error as? ParseError)?.description ?? "invalid quantity")")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

extension Quantity: OpenAPISchemaProviding {
    public static var openAPISchema: OpenAPISchema {
        var schema = OpenAPISchema.intOrStringSchema
        schema.pattern = "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$"
        return schema
    }
    public static var schemaPlaceholder: Quantity { Quantity(bytes: 0) }
}

/// A value that is either an integer or a string (ports, percentages).
public enum IntOrString: Sendable, Hashable, Codable, OpenAPISchemaProviding {
    case int(Int)
    case string(String)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let i = try? container.decode(Int.self) { self = .int(i) } else { self = .string(try container.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let i): try container.encode(i)
        case .string(let s): try container.encode(s)
        }
    }

    public static var openAPISchema: OpenAPISchema { .intOrStringSchema }
    public static var schemaPlaceholder: IntOrString { .int(0) }
}
