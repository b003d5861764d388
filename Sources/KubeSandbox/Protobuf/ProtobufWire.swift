/// The protobuf wire format, read only: what typed client-go clients send (§5 of kube-api.md).
struct ProtobufWire {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes([UInt8])
        case fixed32(UInt32)
    }

    struct Field {
        var number: Int
        var value: Value
    }

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// Every field of one message, in order (repeated fields appear once per element).
    static func fields(_ bytes: ArraySlice<UInt8>) throws -> [Field] {
        var index = bytes.startIndex
        var fields: [Field] = []
        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard index < bytes.endIndex, shift < 64 else { throw Malformed(description: "truncated varint") }
                let byte = bytes[index]
                index += 1
                result |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
        }
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, bytes.endIndex - index >= count else { throw Malformed(description: "truncated field") }
            defer { index += count }
            return bytes[index..<(index + count)]
        }
        while index < bytes.endIndex {
            let key = try varint()
            let number = Int(key >> 3)
            guard number > 0 else { throw Malformed(description: "field number 0") }
            switch key & 7 {
            case 0: fields.append(Field(number: number, value: .varint(try varint())))
            case 1: fields.append(Field(number: number, value: .fixed64(try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) })))
            case 2:
                let length = try varint()
                guard length <= UInt64(bytes.count) else { throw Malformed(description: "field longer than the message") }
                fields.append(Field(number: number, value: .bytes(Array(try take(Int(length))))))
            case 5: fields.append(Field(number: number, value: .fixed32(try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) })))
            default: throw Malformed(description: "unsupported wire type \(key & 7)")
            }
        }
        return fields
    }
}
