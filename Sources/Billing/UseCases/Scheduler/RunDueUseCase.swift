import BillingAPI
import Kernel
import Logging
import Storage

/// One pass of the scheduler: finds the tenants with billing work due by the clock (across
/// tenants, on the platform path) and advances each in its own transaction. Any number of
/// instances may run it at once (`AdvanceSubscriptionStep` locks each subscription); a tenant
/// whose work fails is logged and left for the next pass, never holding up the others.
struct RunDueUseCase {
    let db: Database
    let platform: PlatformDatabase
    let policy: BillingPolicy
    /// The collector (nil when no payment provider is configured).
    let payments: SettlePaymentsUseCase?
    let logger: Logger

    func callAsFunction(limit: Int) async throws -> DueWorkReport {
        var report = DueWorkReport()
        // A scheduler that was down owes several periods; each pass advances one per tenant.
        for _ in 0..<100 {
            let now = db.clock.now
            let due = try await platform.platform("billing due work") { tx in
                try await SubscriptionRows.due(at: now, reminderLead: policy.trialReminderLead, grace: policy.grace,
                                               limit: limit, in: tx)
            }
            var pass = DueWorkReport()
            for tenantID in due {
                do {
                    let done = try await db.tenant(tenantID) { tx in
                        try await AdvanceSubscriptionStep(policy: policy, skipLocked: true)(requestID: "billing-scheduler", in: tx)
                    }
                    pass.add(done)
                } catch let error as AppError where error.code == .conflict {
                    // Another scheduler issued this period's invoice first: nothing is lost.
                    logger.info("billing work already done elsewhere", metadata: ["tenant_id": "\(tenantID)"])
                } catch {
                    logger.error("billing work failed", metadata: ["tenant_id": "\(tenantID)", "error": "\(error)"])
                }
            }
            report.add(pass)
            if pass.total == 0 { break }
        }
        if let payments { report.add(try await payments(limit: limit)) }
        return report
    }
}

extension DueWorkReport {
    mutating func add(_ other: DueWorkReport) {
        trialReminders += other.trialReminders
        trialsEnded += other.trialsEnded
        renewals += other.renewals
        cancellations += other.cancellations
        blocked += other.blocked
        collected += other.collected
        paymentsFailed += other.paymentsFailed
        paymentsSettled += other.paymentsSettled
    }
}
