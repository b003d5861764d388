import Foundation

extension CronSchedule {
    /// The first time after `date` (whole seconds, UTC) the schedule fires, as robfig/cron computes
    /// it: day of month and day of week both restrict when either is `*`, either matches otherwise.
    /// Nil when nothing matches within five years (`0 0 0 30 2 *`).
    public func next(after date: Date) -> Date? {
        if let every { return Date(timeIntervalSince1970: (date.timeIntervalSince1970 + every).rounded(.down)) }
        let calendar = KubeTime.utcCalendar
        let (seconds, minutes, hours, daysOfMonth, months, daysOfWeek) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5])
        let anyDayOfMonth = daysOfMonth == Set(1...31)
        let anyDayOfWeek = daysOfWeek == Set(0...6)
        var time = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down) + 1)
        let limit = date.addingTimeInterval(5 * 366 * 86_400)
        while time < limit {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: time)
            let (month, day, hour, minute, second) = (parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
            if !months.contains(month) {
                time = calendar.date(from: DateComponents(year: parts.year, month: month + 1, day: 1))!
                continue
            }
            let dayOfMonthMatches = daysOfMonth.contains(day)
            let dayOfWeekMatches = daysOfWeek.contains(parts.weekday! - 1)
            let dayMatches = anyDayOfMonth || anyDayOfWeek ? dayOfMonthMatches && dayOfWeekMatches : dayOfMonthMatches || dayOfWeekMatches
            if !dayMatches {
                time = calendar.date(from: DateComponents(year: parts.year, month: month, day: day + 1))!
                continue
            }
            if !hours.contains(hour) {
                time = calendar.date(from: DateComponents(year: parts.year, month: month, day: day, hour: hour + 1))!
                continue
            }
            if !minutes.contains(minute) {
                time = calendar.date(from: DateComponents(year: parts.year, month: month, day: day, hour: hour, minute: minute + 1))!
                continue
            }
            if !seconds.contains(second) {
                time = time.addingTimeInterval(1)
                continue
            }
            return time
        }
        return nil
    }
}
