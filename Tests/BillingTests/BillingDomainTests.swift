@testable import Billing
import BillingAPI
import Foundation
import Kernel
import PropertyBased
import Testing

@Suite("Billing domain: intervals, subscription status, proration, invoice totals")
struct BillingDomainTests {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }()

    /// An instant in UTC, built independently of `BillingInterval.calendar`.
    static func date(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date {
        utc.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    }

    static func usd(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: .usd) }
    static func jpy(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: .jpy) }

    // MARK: BillingInterval

    @Test("monthly periods from a 31 January anchor end on each month's last day and never drift")
    func monthlyAnchorClamps() {
        // given
        let anchor = Self.date(2027, 1, 31, 10, 30)
        // when
        let ends = (0...4).map { BillingInterval.month.periodEnd(anchor: anchor, period: $0) }
        // then
        #expect(ends == [Self.date(2027, 2, 28, 10, 30), Self.date(2027, 3, 31, 10, 30), Self.date(2027, 4, 30, 10, 30),
                         Self.date(2027, 5, 31, 10, 30), Self.date(2027, 6, 30, 10, 30)])
        #expect(BillingInterval.month.periodEnd(anchor: anchor, period: 11) == Self.date(2028, 1, 31, 10, 30))
        #expect(BillingInterval.month.periodEnd(anchor: anchor, period: 12) == Self.date(2028, 2, 29, 10, 30))
        #expect(BillingInterval.month.periodEnd(anchor: Self.date(2028, 1, 31), period: 0) == Self.date(2028, 2, 29))
        // Stepping from the clamped end instead of the anchor is the drift the anchor rule avoids.
        #expect(BillingInterval.month.add(to: ends[0], count: 1) == Self.date(2027, 3, 28, 10, 30))
    }

    @Test("yearly periods from 29 February 2028 end on 28 February, and on 29 February in leap years")
    func yearlyLeapDayAnchor() {
        // given
        let anchor = Self.date(2028, 2, 29, 12)
        // when
        let ends = (0...3).map { BillingInterval.year.periodEnd(anchor: anchor, period: $0) }
        // then
        #expect(ends == [Self.date(2029, 2, 28, 12), Self.date(2030, 2, 28, 12), Self.date(2031, 2, 28, 12),
                         Self.date(2032, 2, 29, 12)])
        #expect(BillingInterval.year.add(to: anchor, count: -1) == Self.date(2027, 2, 28, 12))
        #expect(BillingInterval.year.add(to: anchor, count: 0) == anchor)
    }

    @Test("periodContaining: a period includes its start and excludes its end")
    func periodContainingBoundaries() {
        // given
        let anchor = Self.date(2027, 1, 31, 10)
        let feb28 = Self.date(2027, 2, 28, 10), mar31 = Self.date(2027, 3, 31, 10)
        let month = BillingInterval.month
        // when, then
        #expect(month.periodContaining(anchor, anchor: anchor) == (start: anchor, end: feb28))
        #expect(month.periodContaining(feb28.addingTimeInterval(-1), anchor: anchor) == (start: anchor, end: feb28))
        #expect(month.periodContaining(feb28, anchor: anchor) == (start: feb28, end: mar31))
        #expect(month.periodContaining(mar31.addingTimeInterval(-0.001), anchor: anchor) == (start: feb28, end: mar31))
        #expect(month.periodIndex(containing: mar31, anchor: anchor) == 2)
        // Before the anchor, periods count back from it.
        #expect(month.periodContaining(Self.date(2027, 1, 15), anchor: anchor) == (start: Self.date(2026, 12, 31, 10), end: anchor))
        #expect(month.periodIndex(containing: anchor.addingTimeInterval(-1), anchor: anchor) == -1)
        let leap = Self.date(2028, 2, 29)
        #expect(BillingInterval.year.periodContaining(Self.date(2029, 2, 28), anchor: leap) == (start: Self.date(2029, 2, 28), end: Self.date(2030, 2, 28)))
        #expect(BillingInterval.year.periodContaining(Self.date(2029, 2, 27, 23, 59, 59), anchor: leap) == (start: leap, end: Self.date(2029, 2, 28)))
    }

    @Test("counting back across a short February clamps the day (Foundation's Calendar said 1 March)")
    func backwardsIntoFebruary() {
        let anchor = Self.date(2076, 10, 29)
        #expect(BillingInterval.month.periodStart(anchor: anchor, period: -32) == Self.date(2074, 2, 28))
        #expect(BillingInterval.month.periodStart(anchor: anchor, period: -8) == Self.date(2076, 2, 29))
        #expect(BillingInterval.year.periodStart(anchor: Self.date(2028, 2, 29), period: -1) == Self.date(2027, 2, 28))
        #expect(BillingInterval.month.periodStart(anchor: Self.date(1969, 12, 31, 23, 59, 59), period: 2) == Self.date(1970, 2, 28, 23, 59, 59))
    }

    @Test("an anchor's fraction of a second is kept, so periods are whole seconds long")
    func fractionalAnchor() throws {
        // given: PostgreSQL keeps microseconds
        let anchor = Self.date(2027, 4, 1).addingTimeInterval(0.123456)
        // when
        let end = BillingInterval.month.periodEnd(anchor: anchor, period: 0)
        // then
        #expect(Proration.wholeSeconds(end.timeIntervalSince(anchor)) == 30 * 86_400)
        #expect(abs(end.timeIntervalSince(Self.date(2027, 5, 1)) - 0.123456) < 1e-6)
    }

    static let instant = Gen.int64(in: 946_684_800...4_102_444_800)  // 2000 to 2100, in Unix seconds
    static let interval = Gen.int(in: 0...(BillingInterval.allCases.count - 1)).map { BillingInterval.allCases[$0] }

    @Test("property: the period containing a date holds it, and its ends follow the anchor rule")
    func periodContainingProperty() async {
        let offset = Gen.int64(in: -100_000_000...1_300_000_000)  // about 3 years back to 41 years on
        await propertyCheck(count: 200, input: Self.instant, offset, Self.interval) { anchorSeconds, offset, interval in
            let anchor = Date(timeIntervalSince1970: TimeInterval(anchorSeconds))
            let date = anchor.addingTimeInterval(TimeInterval(offset))
            let period = interval.periodContaining(date, anchor: anchor)
            #expect(period.start <= date && date < period.end)
            let fields: Set<Calendar.Component> = [.month, .day, .hour, .minute, .second]
            let wanted = Self.utc.dateComponents(fields, from: anchor)
            for boundary in [period.start, period.end] {
                let got = Self.utc.dateComponents(fields, from: boundary)
                let daysInMonth = Self.utc.range(of: .day, in: .month, for: boundary)?.count ?? 0
                #expect(got.day == min(wanted.day ?? 0, daysInMonth))
                #expect([got.hour, got.minute, got.second] == [wanted.hour, wanted.minute, wanted.second])
                if interval == .year { #expect(got.month == wanted.month) }
            }
        }
    }

    // MARK: SubscriptionStatus

    /// Every event, in the order of the table's columns.
    static let events: [SubscriptionEvent] = [
        .trialEnded(hasPaymentMethod: true), .trialEnded(hasPaymentMethod: false), .invoicePaid, .paymentFailed,
        .graceExpired, .dunningEnded, .cancel, .resume,
    ]

    /// The column of `event`. No `default`, so a new event does not compile until it has one.
    static func column(of event: SubscriptionEvent) -> Int {
        switch event {
        case .trialEnded(hasPaymentMethod: true): 0
        case .trialEnded(hasPaymentMethod: false): 1
        case .invoicePaid: 2
        case .paymentFailed: 3
        case .graceExpired: 4
        case .dunningEnded: 5
        case .cancel: 6
        case .resume: 7
        }
    }

    /// The next status for each (status, event); nil where the transition must throw.
    static let table: [SubscriptionStatus: [SubscriptionStatus?]] = [
        //          trialEnded(true) trialEnded(false) invoicePaid paymentFailed graceExpired dunningEnded cancel     resume
        .trialing: [.active,         .pastDue,         nil,        nil,          nil,         nil,         .canceled, .trialing],
        .active:   [nil,             nil,              .active,    .pastDue,     nil,         nil,         .canceled, .active],
        .pastDue:  [nil,             nil,              .active,    .pastDue,     .blocked,    .blocked,    .canceled, .pastDue],
        .blocked:  [nil,             nil,              .active,    nil,          nil,         nil,         .canceled, .blocked],
        .canceled: [nil,             nil,              nil,        nil,          nil,         nil,         .canceled, nil],
    ]

    @Test("the state machine: every status × every event gives the tabled status or throws")
    func transitionTable() throws {
        // given: a table that covers every status and every event
        #expect(Set(Self.table.keys) == Set(SubscriptionStatus.allCases))
        #expect(Self.events.map(Self.column(of:)) == Array(0..<Self.events.count))
        for status in SubscriptionStatus.allCases {
            let row = try #require(Self.table[status])
            #expect(row.count == Self.events.count, "\(status)")
            for event in Self.events {
                // when, then
                if let next = row[Self.column(of: event)] {
                    #expect(try SubscriptionStatus.transition(from: status, on: event) == next, "\(status) on \(event)")
                } else {
                    #expect(throws: SubscriptionTransitionError.notAllowed(from: status, event: event), "\(status) on \(event)") {
                        try SubscriptionStatus.transition(from: status, on: event)
                    }
                }
            }
        }
    }

    @Test("access and liveness by status; past_due is stored with an underscore")
    func statusFlags() throws {
        #expect(SubscriptionStatus.allCases.filter(\.grantsAccess) == [.trialing, .active, .pastDue])
        #expect(SubscriptionStatus.allCases.filter { !$0.isLive } == [.canceled])
        #expect(SubscriptionStatus.allCases.map(\.rawValue) == ["trialing", "active", "past_due", "blocked", "canceled"])
        #expect(try JSONDecoder().decode([SubscriptionStatus].self, from: Data(#"["past_due"]"#.utf8)) == [.pastDue])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([SubscriptionStatus].self, from: Data(#"["pastDue"]"#.utf8)) }
    }

    @Test("a refused transition reads as a sentence")
    func transitionErrorText() {
        #expect(SubscriptionTransitionError.notAllowed(from: .canceled, event: .resume).description
            == "A canceled subscription cannot take a resumption.")
        #expect(SubscriptionTransitionError.notAllowed(from: .active, event: .graceExpired).description
            == "An active subscription cannot take the end of the grace period.")
    }

    // MARK: Proration

    static let thirtyDays: TimeInterval = 30 * 86_400

    @Test("the worked example: 30.00 to 60.00 USD with 10 of 30 days left nets +10.00")
    func prorationWorkedExample() throws {
        // given
        let start = Self.date(2027, 4, 1), end = start.addingTimeInterval(Self.thirtyDays)
        // when
        let proration = try Proration.compute(oldPrice: Self.usd(3000), newPrice: Self.usd(6000),
                                              periodStart: start, periodEnd: end, changeAt: Self.date(2027, 4, 21))
        // then
        #expect(proration == Proration(credit: Self.usd(-1000), charge: Self.usd(2000), unusedSeconds: 864_000, periodSeconds: 2_592_000))
        #expect(proration.net == Self.usd(1000))
    }

    @Test("a change at (or before) the start prorates the whole period; at or after the end, nothing")
    func prorationEdges() throws {
        // given
        let start = Self.date(2027, 4, 1), end = start.addingTimeInterval(Self.thirtyDays)
        func prorate(at changeAt: Date) throws -> Proration {
            try Proration.compute(oldPrice: Self.usd(3000), newPrice: Self.usd(6000), periodStart: start, periodEnd: end, changeAt: changeAt)
        }
        // when, then
        for changeAt in [start, start.addingTimeInterval(-86_400)] {
            let whole = try prorate(at: changeAt)
            #expect(whole == Proration(credit: Self.usd(-3000), charge: Self.usd(6000), unusedSeconds: 2_592_000, periodSeconds: 2_592_000))
        }
        for changeAt in [end, end.addingTimeInterval(1), end.addingTimeInterval(86_400 * 365)] {
            let none = try prorate(at: changeAt)
            #expect(none == Proration(credit: Self.usd(0), charge: Self.usd(0), unusedSeconds: 0, periodSeconds: 2_592_000))
            #expect(none.net.isZero)
        }
        // A second already begun counts as used.
        #expect(try prorate(at: end.addingTimeInterval(-1.5)).unusedSeconds == 1)
    }

    @Test("odd amounts round once, half away from zero, and the same way for credit and charge")
    func prorationRounding() throws {
        // given
        let start = Self.date(2027, 4, 1)
        // when: 10.00 over 3 seconds with 1 left is 3.333…
        let third = try Proration.compute(oldPrice: Self.usd(1000), newPrice: Self.usd(1000), periodStart: start,
                                          periodEnd: start.addingTimeInterval(3), changeAt: start.addingTimeInterval(2))
        // and 0.05 over 2 seconds with 1 left is exactly 2.5 cents
        let half = try Proration.compute(oldPrice: Self.usd(5), newPrice: Self.usd(5), periodStart: start,
                                         periodEnd: start.addingTimeInterval(2), changeAt: start.addingTimeInterval(1))
        // then
        #expect(third.credit == Self.usd(-333) && third.charge == Self.usd(333) && third.net.isZero)
        #expect(half.credit == Self.usd(-3) && half.charge == Self.usd(3) && half.net.isZero)
    }

    @Test("JPY has no minor unit: 1,001 to 3,000 yen with half the period left")
    func prorationYen() throws {
        // given
        let start = Self.date(2027, 4, 1), end = start.addingTimeInterval(Self.thirtyDays)
        // when
        let proration = try Proration.compute(oldPrice: Self.jpy(1001), newPrice: Self.jpy(3000), periodStart: start,
                                              periodEnd: end, changeAt: Self.date(2027, 4, 16))
        // then: 500.5 yen rounds away from zero
        #expect(proration.credit == Self.jpy(-501))
        #expect(proration.charge == Self.jpy(1500))
        #expect(proration.net == Self.jpy(999))
    }

    @Test("mixed currencies and empty periods are refused")
    func prorationRefusals() {
        let start = Self.date(2027, 4, 1), end = start.addingTimeInterval(Self.thirtyDays)
        #expect(throws: MoneyError.currencyMismatch(.usd, .eur)) {
            try Proration.compute(oldPrice: Self.usd(3000), newPrice: Money(minorUnits: 3000, currency: .eur),
                                  periodStart: start, periodEnd: end, changeAt: start)
        }
        for emptyEnd in [start, start.addingTimeInterval(-1), start.addingTimeInterval(0.5)] {
            #expect(throws: ProrationError.emptyPeriod) {
                try Proration.compute(oldPrice: Self.usd(3000), newPrice: Self.usd(6000),
                                      periodStart: start, periodEnd: emptyEnd, changeAt: start)
            }
        }
    }

    static let price = Gen.int64(in: 0...1_000_000_000)
    static let currencies: [Currency] = [.usd, .jpy, .bhd]
    static let someCurrency = Gen.int(in: 0...(currencies.count - 1)).map { BillingDomainTests.currencies[$0] }

    @Test("property: credit ≤ 0 ≤ charge, neither exceeds its price, the same price nets zero")
    func prorationProperty() async {
        let periodSeconds = Gen.int64(in: 1...(400 * 86_400))
        let offset = Gen.oneOf(Gen.int64(in: 0...3), Gen.int64(in: 0...(400 * 86_400)))
        await propertyCheck(count: 500, input: Self.instant, periodSeconds, offset, Self.price, Self.price, Self.someCurrency) {
            startSeconds, period, offset, oldUnits, newUnits, currency in
            let start = Date(timeIntervalSince1970: TimeInterval(startSeconds))
            let end = start.addingTimeInterval(TimeInterval(period))
            let elapsed = offset % (period + 1)  // the change falls in start...end
            let changeAt = start.addingTimeInterval(TimeInterval(elapsed))
            let old = Money(minorUnits: oldUnits, currency: currency), new = Money(minorUnits: newUnits, currency: currency)

            let proration = try Proration.compute(oldPrice: old, newPrice: new, periodStart: start, periodEnd: end, changeAt: changeAt)
            #expect(proration.periodSeconds == period)
            #expect(proration.unusedSeconds == period - elapsed)
            #expect(proration.credit.minorUnits <= 0 && 0 <= proration.charge.minorUnits)
            #expect(-proration.credit.minorUnits <= oldUnits && proration.charge.minorUnits <= newUnits)
            // Within half a minor unit of the exact share: |charge × period − new × unused| ≤ period / 2.
            let error = Int128(proration.charge.minorUnits) * Int128(period) - Int128(newUnits) * Int128(period - elapsed)
            #expect(2 * error.magnitude <= Int128(period).magnitude)

            let unchanged = try Proration.compute(oldPrice: old, newPrice: old, periodStart: start, periodEnd: end, changeAt: changeAt)
            #expect(unchanged.net.isZero)
            let atStart = try Proration.compute(oldPrice: old, newPrice: new, periodStart: start, periodEnd: end, changeAt: start)
            #expect(atStart.credit == -old)
            #expect(atStart.charge == new)
        }
    }

    // MARK: InvoiceTotals

    @Test("three lines at 20%: each line taxed and rounded on its own, then summed")
    func invoiceByHand() throws {
        // given
        let lines = [
            try InvoiceLineDraft(kind: .subscription, description: "Pro plan", unitAmount: Self.usd(4900)),
            try InvoiceLineDraft(kind: .item, description: "Extra seats", quantity: 3, unitAmount: Self.usd(299)),
            try InvoiceLineDraft(kind: .proration, description: "Unused time on Basic", unitAmount: Self.usd(-1234)),
        ]
        // when
        let totals = try InvoiceTotals.compute(lines: lines, currency: .usd, taxRateBasisPoints: 2_000)
        // then: 9.80, 1.794 → 1.79, −2.468 → −2.47
        #expect(lines.map(\.amount) == [Self.usd(4900), Self.usd(897), Self.usd(-1234)])
        #expect(totals.lineTaxes == [Self.usd(980), Self.usd(179), Self.usd(-247)])
        #expect(totals.subtotal == Self.usd(4563))
        #expect(totals.tax == Self.usd(912))  // where 20% of 45.63 would round to 9.13
        #expect(totals.total == Self.usd(5475))
    }

    @Test("per-line rounding: three lines of 0.05 at 10% carry 0.03 of tax, not 10% of 0.15 (0.02)")
    func invoicePerLineRounding() throws {
        // given
        let line = try InvoiceLineDraft(kind: .item, description: "Stamp", unitAmount: Self.usd(5))
        // when
        let totals = try InvoiceTotals.compute(lines: [line, line, line], currency: .usd, taxRateBasisPoints: 1_000)
        // then: each 0.005 rounds half away from zero to 0.01
        #expect(totals.lineTaxes == [Self.usd(1), Self.usd(1), Self.usd(1)])
        #expect(totals.tax == Self.usd(3))
        #expect(try Self.usd(15).multiplied(by: 1_000, dividedBy: 10_000) == Self.usd(2))
        #expect(totals.total == Self.usd(18))
    }

    @Test("no lines give zero totals; more credit than charges gives a negative total")
    func invoiceEmptyAndCredit() throws {
        let empty = try InvoiceTotals.compute(lines: [], currency: .bhd, taxRateBasisPoints: 2_000)
        #expect(empty == InvoiceTotals(subtotal: .zero(.bhd), tax: .zero(.bhd), total: .zero(.bhd), lineTaxes: []))
        let credit = try InvoiceLineDraft(kind: .discount, description: "Goodwill", unitAmount: Self.usd(-1000))
        let totals = try InvoiceTotals.compute(lines: [credit], currency: .usd, taxRateBasisPoints: 1_000)
        #expect(totals.total == Self.usd(-1100))
    }

    @Test("lines in another currency, out-of-range rates and overflowing lines are refused")
    func invoiceRefusals() throws {
        let euros = try InvoiceLineDraft(kind: .item, description: "Widget", unitAmount: Money(minorUnits: 100, currency: .eur))
        #expect(throws: MoneyError.currencyMismatch(.usd, .eur)) {
            try InvoiceTotals.compute(lines: [euros], currency: .usd, taxRateBasisPoints: 0)
        }
        for rate: Int64 in [-1, 100_001, .min, .max] {
            #expect(throws: InvoiceCalculationError.taxRateOutOfRange(basisPoints: rate)) {
                try InvoiceTotals.compute(lines: [], currency: .usd, taxRateBasisPoints: rate)
            }
        }
        let dollar = try InvoiceLineDraft(kind: .item, description: "Widget", unitAmount: Self.usd(100))
        #expect(try InvoiceTotals.compute(lines: [dollar], currency: .usd, taxRateBasisPoints: 100_000).tax == Self.usd(1000))
        #expect(try InvoiceTotals.compute(lines: [dollar], currency: .usd, taxRateBasisPoints: 0).tax == .zero(.usd))
        #expect(throws: MoneyError.overflow) {
            try InvoiceLineDraft(kind: .item, description: "Too many", quantity: 2, unitAmount: Self.usd(.max / 2 + 1))
        }
    }

    @Test("property: total = subtotal + tax, and tax is the sum of the line taxes, each within half a unit")
    func invoiceProperty() async {
        let lineInputs = zip(Gen.int64(in: 0...1_000), Gen.int64(in: -1_000_000_000...1_000_000_000)).array(of: 0...20)
        await propertyCheck(count: 500, input: lineInputs, Gen.int64(in: 0...100_000), Self.someCurrency) { inputs, rate, currency in
            let lines = try inputs.map { quantity, unit in
                try InvoiceLineDraft(kind: .item, description: "line", quantity: quantity, unitAmount: Money(minorUnits: unit, currency: currency))
            }
            let totals = try InvoiceTotals.compute(lines: lines, currency: currency, taxRateBasisPoints: rate)
            let subtotal = try Money.sum(lines.map(\.amount), currency: currency)
            let tax = try Money.sum(totals.lineTaxes, currency: currency)
            let total = try totals.subtotal.adding(totals.tax)
            #expect(totals.subtotal == subtotal)
            #expect(totals.tax == tax)
            #expect(totals.total == total)
            #expect(totals.lineTaxes.count == lines.count)
            for (line, lineTax) in zip(lines, totals.lineTaxes) {
                // |tax × 10,000 − amount × rate| ≤ 5,000: rounded to the nearest minor unit.
                let error = Int128(lineTax.minorUnits) * 10_000 - Int128(line.amount.minorUnits) * Int128(rate)
                #expect(error.magnitude <= 5_000)
            }
        }
    }
}
