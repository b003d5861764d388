import CNPGTestSupport
import Foundation

/// `bench/results.json`: the figures with the machine and build they were measured on.
struct BenchmarkResults: Codable {
    struct Machine: Codable {
        var cores: Int
        var memoryGiB: Double
        var kernel: String
    }

    var date: String
    var machine: Machine
    /// The directory of the executables measured (a release or a debug build).
    var executables: String
    var figures: [BenchmarkFigure]
    var failures: [String]

    /// This run's figures over the ones already in `path` (same name replaced, others kept).
    static func merged(_ figures: [BenchmarkFigure], into path: String, failures: [String]) throws -> BenchmarkResults {
        var kept = (try? JSONDecoder().decode(BenchmarkResults.self, from: Data(contentsOf: URL(fileURLWithPath: path))))?.figures ?? []
        kept.removeAll { old in figures.contains { $0.name == old.name } }
        var system = utsname()
        uname(&system)
        let release = withUnsafeBytes(of: &system.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machine = Machine(cores: ProcessInfo.processInfo.activeProcessorCount,
                              memoryGiB: (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10,
                              kernel: "Linux \(release)")
        return BenchmarkResults(date: ISO8601DateFormatter().string(from: Date()), machine: machine,
                                executables: (try? BuiltProducts.executable("cnpg-operator").deletingLastPathComponent().path) ?? "?",
                                figures: kept + figures, failures: failures)
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoder.encode(self).write(to: url)
    }
}

/// A benchmark that could not complete, with what it saw.
struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
}
