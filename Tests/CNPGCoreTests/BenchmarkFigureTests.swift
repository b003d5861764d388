import CNPGTestSupport
import Foundation
import Testing

/// The statistics and the table `make bench` prints.
@Suite struct BenchmarkFigureTests {
    @Test func medianMinimumMaximumAndPercentiles() {
        let odd = BenchmarkFigure(name: "window", unit: "s", samples: [3, 1, 2])
        #expect(odd.median == 2 && odd.minimum == 1 && odd.maximum == 3)
        let even = BenchmarkFigure(name: "window", unit: "s", samples: [4, 1, 3, 2])
        #expect(even.median == 2.5)
        let latencies = BenchmarkFigure(name: "latency", unit: "ms", samples: (1...100).map(Double.init))
        #expect(latencies.percentile(0.5) == 50 && latencies.percentile(0.99) == 99 && latencies.percentile(1) == 100)
        let empty = BenchmarkFigure(name: "none", unit: "s")
        #expect(empty.median == nil && empty.percentile(0.5) == nil)
    }

    @Test func resultsRoundTripWithTheirSummaries() throws {
        let figure = BenchmarkFigure(name: "failover write window", unit: "s", samples: [1.5, 1.25], target: "median < 2")
        let encoded = try JSONEncoder().encode(figure)
        let fields = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(fields["median"] as? Double == 1.375 && fields["min"] as? Double == 1.25 && fields["max"] as? Double == 1.5)
        #expect(try JSONDecoder().decode(BenchmarkFigure.self, from: encoded) == figure)
    }

    @Test func theTableAlignsEveryFigure() {
        let table = BenchmarkTable.render([
            BenchmarkFigure(name: "bootstrap, 3 instances", unit: "s", samples: [9.61, 10.3]),
            BenchmarkFigure(name: "1000 clusters: writes", unit: "calls", samples: [0], target: "0"),
            BenchmarkFigure(name: "not measured", unit: "s"),
        ])
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("figure") && lines[0].hasSuffix("target"))
        #expect(lines[1].contains("9.96") && lines[1].contains("9.61") && lines[1].contains("10.3"))
        #expect(lines[3].contains("n/a"))
        let medianColumn = lines[0].range(of: "median")!.upperBound
        for line in lines.dropFirst() { #expect(line.count >= lines[0].distance(from: lines[0].startIndex, to: medianColumn)) }
    }
}

/// docs/performance.md shows the run recorded in bench/results.json, as `make bench` wrote it.
@Suite struct PerformanceDocumentTests {
    @Test func theRecordedRunIsTheOneInTheResults() throws {
        let root = BuiltProducts.repositoryRoot
        let results = try JSONDecoder().decode(
            BenchmarkResults.self,
            from: Data(contentsOf: root.appendingPathComponent("bench/results.json")))
        let document = try String(contentsOf: root.appendingPathComponent("docs/performance.md"), encoding: .utf8)
        let start = try #require(document.range(of: "(bench/results.md); a test checks this table against bench/results.json -->\n"))
        let end = try #require(document.range(of: "<!-- end of results -->"))
        #expect(
            String(document[start.upperBound..<end.lowerBound]) == results.markdown,
            "regenerate with make bench, or copy bench/results.md into docs/performance.md")
        #expect(results.executables.hasSuffix("/release"), "the recorded figures are a release build's")
        for required in [
            "failover write window", "failover rows lost", "switchover write window", "switchover rows lost",
            "bootstrap, 3 instances",
        ] {
            #expect(results.figures.contains { $0.name == required && !$0.samples.isEmpty }, "\(required) is not recorded")
        }
        for prefix in ["webhook p99", "operator RSS", "instance manager RSS"] {
            #expect(results.figures.contains { $0.name.hasPrefix(prefix) }, "no \(prefix) figure")
        }
        #expect(results.figures.contains { $0.name.contains("clusters: writes in") }, "no reconcile-scale figure")
    }
}
