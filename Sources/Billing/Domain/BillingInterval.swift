import Foundation
import Kernel

/// How often a subscription renews: every calendar month or every calendar year.
///
/// **The anchor rule** (Stripe's `billing_cycle_anchor`): a subscription has one anchor, the
/// instant its first period began, and the end of its n-th period (n counted from 0) is always
/// the anchor plus n + 1 intervals, computed *from the anchor* in the UTC Gregorian calendar.
/// When the anchor's day does not exist in a month, the period ends on that month's last day,
/// at the anchor's time of day. So a monthly subscription anchored on 31 January 10:00 UTC
/// renews on 28 (or 29) February, 31 March, 30 April, 31 May… and a yearly one anchored on
/// 29 February 2028 renews on 28 February 2029 and again on 29 February 2032.
///
/// Why from the anchor, never from the previous period's end: stepping a month at a time from
/// 28 February would leave every later period ending on the 28th, a drift the customer never
/// agreed to and that differs from what Stripe (and every invoice they have seen) does.
/// Why UTC: a period must end at the same instant whichever server, tenant or user looks at
/// it, and UTC has no daylight-saving gaps or repeated hours.
///
/// ```swift
/// let anchor = …                                                 // 2027-01-31T10:00:00Z
/// BillingInterval.month.periodEnd(anchor: anchor, period: 0)     // 2027-02-28T10:00:00Z
/// BillingInterval.month.periodEnd(anchor: anchor, period: 1)     // 2027-03-31T10:00:00Z
/// ```
enum BillingInterval: String, Sendable, CaseIterable, Codable {
    case month
    case year

    /// The calendar every billing boundary is computed in: Gregorian, in UTC.
    /// `days` calendar days after `date`, in UTC (a trial's length, its extension).
    static func adding(days: Int, to date: Date) -> Date {
        calendar.date(byAdding: .day, value: days, to: date) ?? date
    }

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }()

    /// `date` moved by `count` intervals (backwards for a negative count), keeping its time of
    /// day and clamping its day of the month to the target month's length (31 January + 1 month
    /// is 28 or 29 February).
    ///
    /// This is one step from `date`: to find a period boundary, add to the *anchor*
    /// (`periodEnd(anchor:period:)`), never to an earlier boundary, or the clamped day sticks.
    func add(to date: Date, count: Int) -> Date {
        guard count != 0 else { return date }
        // By arithmetic on the proleptic Gregorian calendar in UTC, not `Calendar.date(byAdding:)`:
        // Foundation's answers for some backward steps are wrong (29 October 2076 − 32 months
        // came out 1 March 2074, not 28 February; found by the property test).
        // Only the time of day stays a `TimeInterval` (a `Date` is one; an anchor keeps its
        // microseconds): the calendar steps are whole days and months, in integers.
        let seconds = date.timeIntervalSince1970
        let day = Int((seconds / 86_400).rounded(.down))
        let timeOfDay = seconds - TimeInterval(day * 86_400)
        let civil = CivilDate(daysSince1970: day)
        let months = civil.year * 12 + (civil.month - 1) + (self == .month ? count : count * 12)
        let targetYear = months >= 0 ? months / 12 : (months - 11) / 12, targetMonth = months - targetYear * 12 + 1
        let targetDay = min(civil.day, CivilDate.daysIn(month: targetMonth, of: targetYear))
        let targetDays = CivilDate(year: targetYear, month: targetMonth, day: targetDay).daysSince1970
        return Date(timeIntervalSince1970: TimeInterval(targetDays * 86_400) + timeOfDay)
    }

    /// The end of the `period`-th period after `anchor` (period 0 ends one interval after the
    /// anchor), computed from the anchor itself so clamped days never drift.
    ///
    /// A period is start-inclusive and end-exclusive: period n runs from
    /// `periodEnd(anchor:period: n - 1)` (the anchor for n = 0) up to, not including, this
    /// instant, which is where period n + 1 starts. A negative `period` counts back before the
    /// anchor (period -1 ends at the anchor).
    func periodEnd(anchor: Date, period: Int) -> Date {
        add(to: anchor, count: period + 1)
    }

    /// The start of the `period`-th period: the anchor for period 0, otherwise the end of the
    /// one before it.
    func periodStart(anchor: Date, period: Int) -> Date {
        add(to: anchor, count: period)
    }

    /// Which period `date` falls in: 0 from the anchor (inclusive) to the first renewal
    /// (exclusive), 1 for the next, and negative before the anchor.
    func periodIndex(containing date: Date, anchor: Date) -> Int {
        // Period n starts in the n-th calendar month (or year) after the anchor's, so counting
        // calendar months between the two gives the index, or one too many when the date comes
        // before that month's boundary (an earlier day or time than the anchor's, clamped): its
        // period then started in the month before. Checking against the boundary itself keeps
        // one source of truth for where periods start.
        let fields: Set<Calendar.Component> = [.year, .month]
        let from = Self.calendar.dateComponents(fields, from: anchor)
        let to = Self.calendar.dateComponents(fields, from: date)
        let years = (to.year ?? 0) - (from.year ?? 0)
        let index = switch self {
        case .month: years * 12 + (to.month ?? 0) - (from.month ?? 0)
        case .year: years
        }
        return periodStart(anchor: anchor, period: index) > date ? index - 1 : index
    }

    /// The period `date` falls in, as `start..<end`: the start is inclusive and the end
    /// exclusive, so an instant exactly on a renewal belongs to the new period (it is the
    /// moment the new period is billed). Dates before the anchor get the periods counted back
    /// from it.
    func periodContaining(_ date: Date, anchor: Date) -> (start: Date, end: Date) {
        let index = periodIndex(containing: date, anchor: anchor)
        return (periodStart(anchor: anchor, period: index), periodEnd(anchor: anchor, period: index))
    }
}
