import Foundation
import Kernel
import Testing

@Suite("Kernel: the injected clock")
struct WallClockTests {
    @Test("a manual clock stands still until moved, and never runs backward by advancing")
    func manualClockMoves() {
        // given
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        let clock = ManualClock(start)
        // when
        let before = clock.now
        clock.advance(by: 14 * 86_400)
        // then
        #expect(before == start)
        #expect(clock.now == start.addingTimeInterval(14 * 86_400))
        clock.set(start)
        #expect(clock.now == start)
    }

    @Test("a sleeper wakes when the clock reaches its deadline, not before")
    func sleeperWakesAtDeadline() async throws {
        // given: a task sleeping until an hour from now
        let clock = ManualClock()
        let deadline = clock.now.addingTimeInterval(3600)
        let woke = Task { try await clock.sleep(until: deadline); return clock.now }
        while clock.sleepers == 0 { await Task.yield() }
        // when: the clock moves 59 minutes, the sleeper is still asleep; one more minute wakes it
        clock.advance(by: 59 * 60)
        #expect(clock.sleepers == 1)
        clock.advance(by: 60)
        // then
        #expect(try await woke.value == deadline)
        #expect(clock.sleepers == 0)
    }

    @Test("a deadline already passed returns at once; cancelling a sleeper throws")
    func pastDeadlineAndCancellation() async throws {
        let clock = ManualClock()
        try await clock.sleep(until: clock.now.addingTimeInterval(-1))
        let sleeper = Task { try await clock.sleep(until: clock.now.addingTimeInterval(60)) }
        while clock.sleepers == 0 { await Task.yield() }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleepers == 0)
    }

    @Test("the system clock tells the machine's time and sleeps in real time")
    func systemClock() async throws {
        let clock = SystemClock()
        let before = clock.now
        try await clock.sleep(until: before.addingTimeInterval(0.05))
        #expect(clock.now.timeIntervalSince(before) >= 0.05)
        #expect(abs(clock.now.timeIntervalSinceNow) < 1)
    }
}
