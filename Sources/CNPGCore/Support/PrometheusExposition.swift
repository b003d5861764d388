import Foundation

/// The Prometheus text format as swift-metrics exporters write it lacks `# HELP` lines (they carry
/// no help text); this adds them, from a table, before each family's `# TYPE` line.
public enum PrometheusExposition {
    public static func addingHelp(_ exposition: String, help: [String: String]) -> String {
        var lines: [Substring] = []
        for line in exposition.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst("# TYPE ".count).split(separator: " ").first, let text = help[String(name)] {
                lines.append("# HELP \(name) \(escape(text))")
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// HELP text escapes backslash and newline.
    public static func escape(_ text: String) -> Substring {
        Substring(text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n"))
    }
}
