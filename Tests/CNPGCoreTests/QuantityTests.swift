import CNPGCore
import Foundation
import Testing

@Suite struct QuantityTests {
    @Test(arguments: [
        ("1Gi", Decimal(1 << 30)), ("500m", Decimal(string: "0.5")!), ("2", Decimal(2)), ("1e3", Decimal(1000)),
        ("1.5Gi", Decimal(1536 << 20)), ("100Mi", Decimal(100 << 20)), ("1k", Decimal(1000)), ("0", Decimal(0)),
        ("250u", Decimal(string: "0.00025")!), ("1E2", Decimal(100)),
    ])
    func parsesValue(text: String, expected: Decimal) throws {
        #expect(try Quantity(text).value == expected)
    }

    @Test(arguments: ["", "Gi", "1GB", "1.2.3", "abc", "1 Gi", "1.", "--1"])
    func rejectsMalformed(text: String) {
        #expect(throws: Quantity.ParseError.self) { try Quantity(text) }
    }

    @Test func comparesAcrossUnits() throws {
        #expect(try Quantity("1Gi") > Quantity("1G"))
        #expect(try Quantity("1024Mi") == Quantity("1Gi"))
        #expect(try Quantity("500m") < Quantity("1"))
        #expect(try Quantity("1.5Gi").integerValue == 1536 << 20)
    }

    @Test func keepsTheTextAsWritten() throws {
        let json = ObjectCodec.encode(try Quantity("1024Mi"))
        #expect(json == .string("1024Mi"))
        #expect(Quantity(bytes: 1 << 30).text == "1Gi")
        #expect(Quantity(bytes: 1000).text == "1000")
    }

    @Test func decodesNumbersAndReportsBadText() throws {
        let decoded = try ObjectCodec.decode([String: Quantity].self, from: .object([("cpu", .int(2))]))
        #expect(decoded["cpu"]?.value == 2)
        #expect(throws: FieldError.self) { try ObjectCodec.decode([String: Quantity].self, from: .object([("cpu", .string("two"))])) }
    }
}
