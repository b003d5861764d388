import Foundation

/// `bench/results.json`: the figures with the machine and build they were measured on.
public struct BenchmarkResults: Codable, Sendable {
    public struct Machine: Codable, Sendable {
        public var cores: Int
        public var memoryGiB: Double
        public var kernel: String
    }

    public var date: String
    public var machine: Machine
    /// The directory of the executables measured (a release or a debug build).
    public var executables: String
    public var figures: [BenchmarkFigure]
    public var failures: [String]

    /// This run's figures over the ones already in `path`: a figure of the same name is replaced
    /// where it stands, others are kept, new ones are appended.
    public static func merged(_ figures: [BenchmarkFigure], into path: String, failures: [String]) throws -> BenchmarkResults {
        var kept = (try? JSONDecoder().decode(BenchmarkResults.self, from: Data(contentsOf: URL(fileURLWithPath: path))))?.figures ?? []
        for figure in figures {
            if let index = kept.firstIndex(where: { $0.name == figure.name }) { kept[index] = figure } else { kept.append(figure) }
        }
        var system = utsname()
        uname(&system)
        let release = withUnsafeBytes(of: &system.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machine = Machine(
            cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryGiB: (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10,
            kernel: "Linux \(release)")
        return BenchmarkResults(
            date: ISO8601DateFormatter().string(from: Date()), machine: machine,
            executables: (try? BuiltProducts.executable("cnpg-operator").deletingLastPathComponent().path) ?? "?",
            figures: kept, failures: failures)
    }

    /// The run for docs/performance.md: where and when, the table, and what failed.
    public var markdown: String {
        let build = executables.hasSuffix("/release") ? "release build" : "build in \(URL(fileURLWithPath: executables).lastPathComponent)"
        var text = "Measured \(date) on \(machine.cores) cores, \(machine.memoryGiB) GiB, \(machine.kernel), \(build).\n\n"
        text += BenchmarkTable.markdown(figures)
        for failure in failures { text += "\nNot measured: \(failure)\n" }
        return text
    }

    /// `path` (JSON) and, next to it, the Markdown table with the same stem (`results.md`).
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoder.encode(self).write(to: url)
        try markdown.write(to: url.deletingPathExtension().appendingPathExtension("md"), atomically: true, encoding: .utf8)
    }
}

/// A benchmark that could not complete, with what it saw.
public struct BenchmarkFailure: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
