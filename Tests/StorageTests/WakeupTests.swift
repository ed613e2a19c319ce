import Storage
import Synchronization
import Testing

@Suite("Wakeup: a wait ends at a signal, at its timeout, or when its task is cancelled")
struct WakeupTests {
    /// A wait that missed its end would wait for a signal that may never come (the webhook
    /// sender, idle, waits for a finished delivery or its poll interval, and shutdown waited for
    /// that loop). `rescued` counts the waits a late signal had to end.
    @Test("a timeout is never lost, however soon it comes")
    func timeoutNeverLost() async throws {
        let wakeup = Wakeup()
        let run = Run()
        let rescuer = Task {
            try? await Task.sleep(for: .seconds(20))
            while !run.finished.load(ordering: .acquiring) {
                run.rescued.add(1, ordering: .relaxed)
                wakeup.signal()
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        for round in 0..<5000 {
            await wakeup.wait(timeout: round.isMultiple(of: 2) ? .zero : .microseconds(50))
        }
        run.finished.store(true, ordering: .releasing)
        rescuer.cancel()
        #expect(run.rescued.load(ordering: .relaxed) == 0)
    }

    private final class Run: Sendable {
        let finished = Atomic<Bool>(false)
        let rescued = Atomic<Int>(0)
    }

    @Test("a cancelled task's wait returns at once, and leaves no signal behind")
    func cancelled() async throws {
        let wakeup = Wakeup()
        for _ in 0..<1000 {
            let start = ContinuousClock.now
            let waiter = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                await wakeup.wait(timeout: .seconds(30))
            }
            let rescuer = Task {
                try? await Task.sleep(for: .seconds(10))
                if !Task.isCancelled { wakeup.signal() }
            }
            await waiter.value
            rescuer.cancel()
            #expect(ContinuousClock.now - start < .seconds(10))
        }
        // No signal is pending: the next wait runs to its timeout.
        let start = ContinuousClock.now
        await wakeup.wait(timeout: .milliseconds(100))
        #expect(ContinuousClock.now - start >= .milliseconds(100))
    }

    @Test("a signal before the wait is kept for it; one during the wait ends it")
    func signals() async throws {
        let wakeup = Wakeup()
        wakeup.signal()
        var start = ContinuousClock.now
        await wakeup.wait(timeout: .seconds(30))
        #expect(ContinuousClock.now - start < .seconds(10))

        start = ContinuousClock.now
        let signaller = Task {
            try? await Task.sleep(for: .milliseconds(50))
            wakeup.signal()
        }
        await wakeup.wait(timeout: .seconds(30))
        await signaller.value
        #expect(ContinuousClock.now - start < .seconds(10))
    }
}
