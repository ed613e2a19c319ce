import Foundation
import Kernel
import PropertyBased
import Testing

@Suite("CivilDate: days since 1970 and back")
struct CivilDateTests {
    @Test("known days: the epoch, leap days, century rules, before 1970")
    func known() {
        #expect(CivilDate(daysSince1970: 0) == CivilDate(year: 1970, month: 1, day: 1))
        #expect(CivilDate(daysSince1970: -1) == CivilDate(year: 1969, month: 12, day: 31))
        #expect(CivilDate(daysSince1970: 11_016) == CivilDate(year: 2000, month: 2, day: 29))
        #expect(CivilDate(year: 2100, month: 3, day: 1).daysSince1970 - CivilDate(year: 2100, month: 2, day: 28).daysSince1970 == 1)
        #expect(CivilDate(year: 1600, month: 1, day: 1).daysSince1970 == -135_140)
        #expect(CivilDate.daysIn(month: 2, of: 2024) == 29)
        #expect(CivilDate.daysIn(month: 2, of: 1900) == 28)
        #expect(CivilDate.daysIn(month: 2, of: 2000) == 29)
    }

    @Test("property: a day count survives the round trip, and agrees with Foundation's Gregorian calendar after 1583")
    func roundTrip() async {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let gregorian = calendar
        await propertyCheck(count: 1_000, input: Gen.int(in: -141_000...2_932_000)) { days in
            let date = CivilDate(daysSince1970: days)
            #expect(date.daysSince1970 == days)
            #expect((1...12).contains(date.month) && (1...CivilDate.daysIn(month: date.month, of: date.year)).contains(date.day))
            let components = gregorian.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
            #expect([components.year, components.month, components.day] == [date.year, date.month, date.day])
        }
    }
}
