import Foundation

extension String {
    /// Whole-string match against an ICU regular expression (the dialect CRD patterns use is a subset).
    public func matches(_ pattern: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
        let range = NSRange(startIndex..<endIndex, in: self)
        return regex.firstMatch(in: self, options: [.anchored], range: range).map { $0.range == range } ?? false
    }
}
