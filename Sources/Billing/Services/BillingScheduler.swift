public import BillingAPI
import Foundation
public import Kernel
public import Logging
public import ServiceLifecycle

/// Runs the billing scheduler's pass every `intervalSeconds` by the injected clock (so a test that
/// moves a `ManualClock` wakes it), until graceful shutdown. Every instance may run one: the
/// pass locks each subscription it works on.
public struct BillingScheduler: Service {
    let billing: any BillingService
    let intervalSeconds: Int
    let clock: any WallClock
    let logger: Logger

    public init(billing: any BillingService, intervalSeconds: Int, clock: any WallClock, logger: Logger) {
        self.billing = billing
        self.intervalSeconds = intervalSeconds
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        // 0 turns the scheduler off (tests drive `runDue` by hand; an operator may run it from cron).
        guard intervalSeconds > 0 else { return try await gracefulShutdown() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let report = try await billing.runDue(limit: 100)
                if report.total > 0 {
                    logger.info("billing work done", metadata: [
                        "trial_reminders": "\(report.trialReminders)", "trials_ended": "\(report.trialsEnded)",
                        "renewals": "\(report.renewals)", "cancellations": "\(report.cancellations)",
                        "blocked": "\(report.blocked)", "collected": "\(report.collected)",
                        "payments_failed": "\(report.paymentsFailed)", "payments_settled": "\(report.paymentsSettled)"])
                }
            } catch where Task.isCancelled || error is CancellationError {
                break
            } catch {
                logger.error("billing scheduler pass failed", metadata: ["error": "\(error)"])
            }
            let wake = clock.now.addingTimeInterval(TimeInterval(intervalSeconds))
            try? await cancelWhenGracefulShutdown { try await clock.sleep(until: wake) }
        }
    }
}
