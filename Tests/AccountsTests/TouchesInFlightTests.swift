@testable import Accounts
import Foundation
import Synchronization
import Testing

/// A stale session found by many requests at once is written by one of them
/// (docs/benchmarks.md, "Two states").
@Suite("Touches in flight")
struct TouchesInFlightTests {
    @Test("a touch of an id already under way is skipped; once it ends, the next one runs")
    func oneAtATime() async throws {
        let touches = TouchesInFlight(), id = UUID(), other = UUID()
        let runs = Mutex(0)
        let started = AsyncStream.makeStream(of: Void.self), finish = AsyncStream.makeStream(of: Void.self)
        // given a touch of `id` under way
        let first = Task {
            try await touches.once(id) {
                runs.withLock { $0 += 1 }
                started.continuation.yield()
                for await _ in finish.stream {}
            }
        }
        for await _ in started.stream { break }
        // when others of the same id come meanwhile, they do not run; another id's does
        for _ in 0..<10 { try await touches.once(id) { runs.withLock { $0 += 1 } } }
        var otherRan = false
        try await touches.once(other) { otherRan = true }
        #expect(runs.withLock { $0 } == 1)
        #expect(otherRan)
        // then, once the first has ended, the next touch of the id runs
        finish.continuation.finish()
        try await first.value
        try await touches.once(id) { runs.withLock { $0 += 1 } }
        #expect(runs.withLock { $0 } == 2)
    }
}
