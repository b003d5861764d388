import Foundation

/// Kubernetes' time formats: `Time` (RFC 3339, seconds, UTC) and `MicroTime` (with microseconds,
/// as Leases and events.k8s.io use).
public enum KubeTime {
    public static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    public static func microTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Either format.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// The Gregorian calendar in UTC (cron schedules, backup names and dates are evaluated in UTC).
    public static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// `YYYYMMDDhhmmss` in UTC, as CNPG stamps the Backups it names after a time.
    public static func compactStamp(_ date: Date) -> String {
        let parts = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02d%02d%02d%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    /// Go's `time.String()` for a UTC time, to the second (`2026-02-21 10:00:00 +0000 UTC`), as
    /// CNPG writes certificate expirations and its plugin prints times.
    public static func goTime(_ date: Date) -> String {
        goFormatter("yyyy-MM-dd HH:mm:ss '+0000 UTC'").string(from: date)
    }

    public static func parseGoTime(_ text: String) -> Date? {
        goFormatter("yyyy-MM-dd HH:mm:ss Z 'UTC'").date(from: text)
    }

    private static func goFormatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }

    /// Kubernetes' short human durations (kubectl's AGE): 45s, 3m12s, 12m, 5h3m, 20h, 3d4h, 120d, 3y.
    public static func humanDuration(seconds interval: TimeInterval) -> String {
        let seconds = max(0, Int(interval))
        let minutes = seconds / 60
        let hours = seconds / 3600
        let days = seconds / 86_400
        switch seconds {
        case ..<120: return "\(seconds)s"
        case ..<600: return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s"
        case ..<10_800: return "\(minutes)m"
        case ..<28_800: return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m"
        case ..<172_800: return "\(hours)h"
        case ..<691_200: return hours % 24 == 0 ? "\(days)d" : "\(days)d\(hours % 24)h"
        case ..<63_072_000: return "\(days)d"
        default: return "\(days / 365)y"
        }
    }
}
