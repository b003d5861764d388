import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

/// Inputs an attacker or a careless user could send: random bytes, mutated real documents, odd
/// strings (line breaks, quotes, NUL, non-ASCII, huge numbers).
enum FuzzInputs {
    static let awkwardStrings = [
        "", " ", "\n", "a\nb", "x\r\ny", "'", "''", "\"", "\\", "\u{0}", "é", "🐘", "${X}", "$(id)", "; DROP TABLE t",
        "host all all 0.0.0.0/0 trust", "\nhost all all 0.0.0.0/0 trust", "#", "=", "a = 'b'\nc = 'd'",
        String(repeating: "x", count: 10_000), "-1", "1e309", "NaN", "9223372036854775808", "0x10", "true",
    ]

    static func randomValue(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 6 : 8), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 3: return .int(Int64.random(in: -3...70_000, using: &rng))
        case 4: return .double(Double.random(in: -1e12...1e12, using: &rng))
        case 5: return .string(awkwardStrings.randomElement(using: &rng)!)
        case 6: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            return .object(
                (0..<Int.random(in: 0...3, using: &rng)).map { index in
                    (
                        ["name", "parameters", "pg_hba", "instances", "x\(index)", "size", "method"].randomElement(using: &rng)!,
                        randomValue(&rng, depth: depth + 1)
                    )
                })
        }
    }

    /// The document with one subtree replaced, removed or given a new member.
    static func mutate(_ value: JSONValue, _ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
        let roll = Int.random(in: 0..<10, using: &rng)
        if depth > 0, roll == 0 { return randomValue(&rng) }
        switch value {
        case .object(let members) where !members.isEmpty:
            var next = members
            let index = Int.random(in: 0..<next.count, using: &rng)
            switch roll {
            case 1: next.remove(at: index)
            case 2: next.append(("unknown\(roll)", randomValue(&rng)))
            default: next[index].1 = mutate(next[index].1, &rng, depth: depth + 1)
            }
            return .object(next)
        case .array(let elements) where !elements.isEmpty:
            var next = elements
            let index = Int.random(in: 0..<next.count, using: &rng)
            if roll == 1 { next.append(randomValue(&rng)) } else { next[index] = mutate(next[index], &rng, depth: depth + 1) }
            return .array(next)
        default:
            return depth == 0 ? value : randomValue(&rng)
        }
    }
}

/// Bounded fuzzing (10,000 inputs per target, seeded): parsers, admission, and the rendering of
/// what users control into PostgreSQL's files. A crash fails the whole run; a hang hits the
/// test's time limit. Input that gets through admission must render without injecting lines.
@Suite struct FuzzTests {
    static let iterations = 10_000
    static let seed: UInt64 = 0x5EED_CAFE

    static func seeds() throws -> [JSONValue] {
        try TestPaths.cnpgSampleDocuments().map(\.value)
    }

    @Test("JSON and YAML parsers take 10,000 damaged documents and refuse deep nesting, without crashing", .timeLimit(.minutes(5)))
    func parsers() throws {
        var rng = SplitMix64(seed: Self.seed)
        let texts = try Self.seeds().flatMap { [Array(JSONText.serialize($0).utf8), Array(YAMLWriter.render($0).utf8)] }
        var parsed = 0
        for _ in 0..<Self.iterations {
            let input = ByteDamage.corrupt(texts.randomElement(using: &rng)!, &rng)
            if (try? JSONText.parse(input)) != nil { parsed += 1 }
            if (try? YAMLLoader.documents(from: String(decoding: input, as: UTF8.self))) != nil { parsed += 1 }
        }
        #expect(parsed > 0, "some damaged documents still parse, so the parsers were exercised past the first byte")
        for deep in [String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 100_000)] {
            #expect(throws: (any Error).self) { try JSONText.parse(deep) }
        }
        #expect(throws: (any Error).self) { try YAMLLoader.documents(from: String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)) }
        #expect(throws: (any Error).self) {
            try YAMLLoader.documents(from: (0..<1_000).map { String(repeating: " ", count: $0) + "- " }.joined(separator: "\n") + "x")
        }
    }

    /// Admission, then rendering with the invariants: one `name = 'value'` line per setting, each user pg_hba rule one line.
    static func checkRendering(_ document: JSONValue) -> (admitted: Bool, problems: [String]) {
        guard case .reviewed(let report) = Admission.review(document), report.isValid, let defaulted = report.defaulted,
            let cluster = try? ObjectCodec.decode(Cluster.self, from: defaulted)
        else { return (false, []) }
        guard
            let files = try? InstanceConfigurationFiles.render(
                cluster: cluster, podName: "\(cluster.metadata.name ?? "c")-1", role: .primary,
                paths: InstancePaths(), majorVersion: 17)
        else { return (true, ["does not render"]) }
        var problems: [String] = []
        for line in files.customConf.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty && !line.hasPrefix("#") {
            if line.range(of: #"^[a-z0-9_.]+ = '([^'\\\n]|''|\\.)*'$"#, options: .regularExpression) == nil { problems.append("custom.conf line: \(line)") }
        }
        let hbaLines = Set(files.pgHBA.split(separator: "\n").map(String.init))
        // (An empty rule is a blank line, which PostgreSQL skips.)
        for rule in cluster.spec.postgresql?.pg_hba ?? [] where !rule.isEmpty && (rule.contains("\n") || rule.contains("\r") || !hbaLines.contains(rule)) {
            problems.append("pg_hba rule \(rule.debugDescription) rendered across lines")
        }
        return (true, problems)
    }

    @Test("awkward parameter values and pg_hba rules are refused or rendered as one line each")
    func injectionAttempts() throws {
        let base = try #require(try Self.seeds().first { $0["kind"] == .string("Cluster") && $0["metadata"]?["name"] == .string("cluster-example") })
        var admitted = 0
        for text in FuzzInputs.awkwardStrings {
            for (parameter, value) in [("work_mem", text), ("application_name", text), ("search_path", text)] {
                let postgresql: JSONValue = .object([("parameters", .object([(parameter, .string(value))])), ("pg_hba", .array([.string(text)]))])
                let document = base.setting("spec", to: (base["spec"] ?? .object([])).setting("postgresql", to: postgresql))
                let (accepted, problems) = Self.checkRendering(document)
                if accepted { admitted += 1 }
                #expect(problems.isEmpty, "\(parameter) = \(value.debugDescription): \(problems)")
            }
        }
        #expect(admitted > 0, "some of them are legitimate and must be admitted")
    }

    @Test("10,000 mutated CNPG objects get a verdict; those admitted render configuration without injected lines", .timeLimit(.minutes(10)))
    func admissionAndRendering() throws {
        var rng = SplitMix64(seed: Self.seed &+ 1)
        let seeds = try Self.seeds()
        var admitted = 0
        var refused = 0
        var rendered = 0
        for _ in 0..<Self.iterations {
            let document = FuzzInputs.mutate(FuzzInputs.mutate(seeds.randomElement(using: &rng)!, &rng), &rng)
            guard case .reviewed(let report) = Admission.review(document) else { continue }
            guard report.isValid, report.kind == Cluster.kind, let defaulted = report.defaulted,
                (try? ObjectCodec.decode(Cluster.self, from: defaulted)) != nil
            else {
                refused += 1
                #expect(report.isValid || report.errors.allSatisfy { !$0.description.isEmpty })
                continue
            }
            admitted += 1
            let (_, problems) = Self.checkRendering(document)
            if problems.isEmpty { rendered += 1 }
            #expect(problems.isEmpty, "\(problems)")
        }
        #expect(admitted > 100 && refused > 100, "admitted \(admitted), refused \(refused): the mutations should land on both sides")
        #expect(rendered == admitted, "every admitted Cluster renders (\(rendered) of \(admitted))")
    }

    @Test(
        "10,000 mutated AdmissionReviews at every webhook path: an answer with the request's uid, or a refusal of the review itself", .timeLimit(.minutes(10)))
    func admissionReviews() throws {
        var rng = SplitMix64(seed: Self.seed &+ 2)
        let seeds = try Self.seeds()
        let endpoints = AdmissionWebhook.paths.compactMap(AdmissionWebhook.endpoint(forPath:))
        #expect(!endpoints.isEmpty)
        var answered = 0
        for _ in 0..<Self.iterations {
            let object = FuzzInputs.mutate(seeds.randomElement(using: &rng)!, &rng)
            let old = Bool.random(using: &rng) ? FuzzInputs.mutate(object, &rng) : nil
            let review = FuzzInputs.mutate(AdmissionWebhookTests.reviewRequest(object, old: old), &rng)
            guard let answer = try? AdmissionWebhook.respond(to: review, at: endpoints.randomElement(using: &rng)!) else { continue }
            answered += 1
            #expect(answer["response"]?["uid"] == review["request"]?["uid"], "\(JSONText.serialize(answer).prefix(300))")
            if case .bool? = answer["response"]?["allowed"] {} else { Issue.record("no allowed verdict: \(JSONText.serialize(answer).prefix(300))") }
        }
        #expect(answered > Self.iterations / 5, "answered \(answered): at least a fifth of the reviews must get past the envelope checks")
    }
}
