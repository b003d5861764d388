import CNPGCore
import Testing

@Suite struct JSONAndYAMLTests {
    @Test func jsonRoundTripKeepsOrderAndNumberKinds() throws {
        let text = #"{"b":1,"a":[true,null,1.5,"x\n\"y\""],"c":{"d":-3}}"#
        let value = try JSONText.parse(text)
        #expect(JSONText.serialize(value) == text)
        #expect(value["b"] == .int(1))
        #expect(value["a"] == .array([.bool(true), .null, .double(1.5), .string("x\n\"y\"")]))
    }

    @Test(arguments: ["{", "[1,]", "{\"a\" 1}", "tru", "\"unterminated", "1 2", "{\"a\":1,}"])
    func jsonRejectsMalformed(text: String) {
        #expect(throws: JSONText.ParseError.self) { try JSONText.parse(text) }
    }

    @Test func jsonRejectsExcessiveNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONText.ParseError.self) { try JSONText.parse(deep) }
    }

    @Test func yamlScalarsResolveLikeKubernetes() throws {
        let docs = try YAMLLoader.documents(from: "a: 3\nb: \"3\"\nc: on\nd: 'on'\ne: 1.5\nf: null\ng: 16Mi\n")
        let value = try #require(docs.first).value
        #expect(value["a"] == .int(3))
        #expect(value["b"] == .string("3"))
        #expect(value["c"] == .bool(true))
        #expect(value["d"] == .string("on"))
        #expect(value["e"] == .double(1.5))
        #expect(value["f"] == .null)
        #expect(value["g"] == .string("16Mi"))
    }

    @Test func yamlSplitsDocumentsAndSkipsEmptyOnes() throws {
        let docs = try YAMLLoader.documents(from: "---\na: 1\n---\n---\nb: 2\n")
        #expect(docs.count == 2)
        #expect(docs[1].line == 5)
    }

    @Test func yamlErrorsCarryTheLine() throws {
        do {
            _ = try YAMLLoader.documents(from: "a: 1\nb: [1, 2\nc: 3\n")
            Issue.record("expected a parse error")
        } catch let error as YAMLLoadError {
            #expect(error.line != nil)
        }
        do {
            _ = try YAMLLoader.documents(from: "x: 0\ny:\n  a: 1\n  a: 2\n")
            Issue.record("expected a duplicate key error")
        } catch let error as YAMLLoadError {
            // Yams reports the line of the mapping that holds the duplicate.
            #expect(error.line == 3)
            #expect(error.reason.contains("duplicate"))
        }
    }

    @Test func yamlWriterQuotesStringsThatWouldChangeType() throws {
        let value: JSONValue = .object([
            ("on", .string("on")), ("n", .string("10")), ("empty", .string("")), ("real", .int(10)),
            ("multi", .string("line1\nline2\n")), ("bool", .bool(false)), ("list", .array([.string("null"), .double(2.5)])),
        ])
        let rendered = YAMLWriter.render(value)
        let back = try #require(try YAMLLoader.documents(from: rendered).first).value
        #expect(back == value)
    }
}

@Suite struct PrometheusExpositionTests {
    @Test func helpLinesGoBeforeTheirFamilysTypeLine() {
        let exposition = "# TYPE a_total counter\na_total{x=\"1\"} 2\n# TYPE b gauge\nb 1\n"
        let annotated = PrometheusExposition.addingHelp(exposition, help: ["a_total": "Counts a\\b\nthings.", "unused": "x"])
        #expect(annotated == "# HELP a_total Counts a\\\\b\\nthings.\n# TYPE a_total counter\na_total{x=\"1\"} 2\n# TYPE b gauge\nb 1\n")
    }
}
