import Accounts
import Billing
import BillingAPI
import AccountsAPI
import Foundation
import Hummingbird
import ServiceLifecycle
import Synchronization
import UnixSignals
public import Logging
import Kernel
import Notifications
import NotificationsAPI
import PasswordHashing
import Storage
import TemplateEngine

/// What the `keel` command's subcommands do, kept here so the executable stays a thin
/// parser over the same wiring the server uses.
public enum OperatorCommands {
    /// Builds the application and serves until SIGTERM or SIGINT. After the signal,
    /// in-flight work has `shutdownGraceSeconds`; then what is left is cancelled, and the
    /// process exits non-zero so a supervisor can tell a clean drain from a cut one.
    public static func serve(_ config: KeelConfig, logger: Logger) async throws {
        // Traces first: the tracer is global, and the application's spans need it from the start.
        let traces = try TraceExport.bootstrap(config, logger: logger)
        let app = try await buildApplication(config, clock: SystemClock(), logger: logger)
        let grace = Duration.seconds(config.shutdownGraceSeconds)
        let watch = ShutdownClock()
        // The group shuts services down last to first: the clock starts as the drain does, and
        // the span exporter stops last, after sending the drain's spans.
        var group = ServiceGroupConfiguration(
            services: (traces.map { [.init(service: $0)] } ?? []) + [.init(service: app), .init(service: watch, successTerminationBehavior: .ignore)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = grace
        try await ServiceGroup(configuration: group).run()
        if let drain = watch.elapsed, drain >= grace {
            throw AppError(.internalError, "Shutdown did not finish within the grace of \(grace): in-flight work was cut off.",
                           diagnostics: "KEEL_SHUTDOWN_GRACE_SECONDS=\(config.shutdownGraceSeconds)")
        }
    }

    /// Applies pending migrations; returns the names applied.
    public static func migrate(_ config: KeelConfig, logger: Logger) async throws -> [String] {
        try await DatabaseSetup.resolve(config, logger: logger).whileRunning { setup in
            try await setup.migrate(config, logger: logger)
        }
    }

    /// Creates a tenant through the Accounts interface; returns it as a JSON object with the
    /// API's snake_case keys (`require_mfa`, `created_at`), and its `status`.
    public static func createTenant(slug: String, name: String, _ config: KeelConfig, logger: Logger) async throws -> String {
        try await DatabaseSetup.resolve(config, logger: logger).whileRunning { setup in
            let tenant = try await DatabasePool.withPool(setup.server, logger: logger) { pool in
                // Creating a tenant hashes nothing; the hasher is there because the module needs one.
                let hasher = PasswordHasher()
                do {
                    let tenant = try await AccountsModule(db: pool.database, platform: pool.platformDatabase(), hasher: hasher)
                        .createTenant(CreateTenant(slug: slug, name: name))
                    try? await hasher.shutdown()
                    return tenant
                } catch {
                    try? await hasher.shutdown()
                    throw error
                }
            }
            // The API's conventions (snake_case keys, ISO 8601 dates), pretty-printed for a person.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.dateEncodingStrategy = .iso8601
            return String(decoding: try encoder.encode(tenant), as: UTF8.self)
        }
    }

    /// Creates a staff member for the console; returns what to tell them. The one-time password
    /// goes to standard output only, never to the log.
    public static func createStaff(email: String, name: String, role: String, _ config: KeelConfig,
                                   logger: Logger) async throws -> String {
        guard let staffRole = StaffRole(rawValue: role) else {
            throw AppError(.invalidInput, "The role must be one of: \(StaffRole.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return try await DatabaseSetup.resolve(config, logger: logger).whileRunning { setup in
            try await DatabasePool.withPool(setup.server, logger: logger) { pool in
                let hasher = config.makePasswordHasher()
                let created: NewStaffMember
                do {
                    created = try await StaffModule(db: pool.database, platform: pool.platformDatabase(), hasher: hasher)
                        .createStaff(email: email, name: name, role: staffRole, by: nil)
                    try? await hasher.shutdown()
                } catch {
                    try? await hasher.shutdown()
                    throw error
                }
                return """
                    Created \(created.member.role.rawValue) \(created.member.email) (\(created.member.id)).
                    One-time password: \(created.oneTimePassword)
                    Sign in at \(config.publicURL)/admin/login; the first sign-in sets a new password and TOTP.
                    """
            }
        }
    }

    /// The development mailbox, newest first: one line per message.
    public static func mailList(recipient: String?, limit: Int, _ config: KeelConfig, logger: Logger) async throws -> String {
        try await withNotifications(config, logger: logger) { notifications in
            let messages = try await notifications.mailbox(limit: limit, recipient: recipient)
            if messages.isEmpty { return "The mailbox is empty." }
            return messages.map { message in
                "\(message.id)  \(message.deliveredAt.formatted(.iso8601))  \(message.recipient)  \(message.subject)"
            }.joined(separator: "\n")
        }
    }

    /// One message of the development mailbox: its headers and plain-text part, or (`mime`)
    /// the whole message as it would have travelled.
    public static func mailShow(id: String, mime: Bool, _ config: KeelConfig, logger: Logger) async throws -> String {
        guard let messageID = MessageID(id) else { throw AppError(.messageNotFound, "'\(id)' is not a message id.") }
        return try await withNotifications(config, logger: logger) { notifications in
            guard let message = try await notifications.mailboxMessage(messageID) else {
                throw AppError(.messageNotFound, "There is no message \(id) in the mailbox.")
            }
            if mime { return message.mime }
            return """
                To:      \(message.recipient)
                Subject: \(message.subject)
                Date:    \(message.deliveredAt.formatted(.iso8601))

                \(message.text)
                """
        }
    }

    /// The delivery log: every message's state, attempts and last error.
    public static func mailLog(status: String?, limit: Int, _ config: KeelConfig, logger: Logger) async throws -> String {
        let filter: Delivery.Status?
        if let status {
            guard let parsed = Delivery.Status(rawValue: status) else {
                throw AppError(.invalidInput, "The status must be queued, sent or failed.")
            }
            filter = parsed
        } else {
            filter = nil
        }
        return try await withNotifications(config, logger: logger) { notifications in
            let deliveries = try await notifications.deliveries(limit: limit, status: filter, recipient: nil)
            if deliveries.isEmpty { return "No messages." }
            return deliveries.map { delivery in
                var line = "\(delivery.id)  \(delivery.status.rawValue)  attempts=\(delivery.attempts)  \(delivery.kind)  \(delivery.recipient)"
                if let error = delivery.lastError { line += "\n    last error: \(error)" }
                return line
            }.joined(separator: "\n")
        }
    }

    /// Queues a failed message again.
    public static func mailRetry(id: String, _ config: KeelConfig, logger: Logger) async throws {
        guard let messageID = MessageID(id) else { throw AppError(.messageNotFound, "'\(id)' is not a message id.") }
        _ = try await withNotifications(config, logger: logger) { try await $0.retry(messageID) }
    }

    /// The plan catalog: one line per plan (code, version, name, interval, trial, prices).
    public static func plans(_ config: KeelConfig, logger: Logger) async throws -> String {
        try await withBilling(config, logger: logger) { billing in
            let plans = try await billing.plans()
            if plans.isEmpty { return "The catalog is empty." }
            return plans.map { plan in
                let prices = plan.prices.map { "\($0.decimalString) \($0.currency.code)" }.joined(separator: ", ")
                return "\(plan.code) v\(plan.version)\(plan.isDefault ? " (default)" : "")  \(plan.name)  per \(plan.interval.rawValue)"
                    + "  trial \(plan.trialDays) d  seats \(plan.seats.map(String.init) ?? "unlimited")  \(prices)"
            }.joined(separator: "\n")
        }
    }

    /// Creates a coupon; `percentOff` like "25" or "12.5", `amountOff` like "10.00 USD".
    public static func createCoupon(code: String, name: String, percentOff: String?, amountOff: String?, duration: String,
                                    periods: Int?, maxRedemptions: Int?, _ config: KeelConfig, logger: Logger) async throws -> String {
        guard let duration = Coupon.Duration(rawValue: duration) else {
            throw AppError(.invalidInput, "The duration must be once, repeating or forever.")
        }
        var percentBP: Int?
        if let percentOff {
            // Percent with up to two decimals, in basis points, without floating point.
            guard let parsed = try? Money(decimal: percentOff, currency: .usd) else {
                throw AppError(.invalidInput, "Give the percentage like 25 or 12.5.")
            }
            percentBP = Int(parsed.minorUnits)
        }
        var amount: Money?
        if let amountOff {
            let parts = amountOff.split(separator: " ")
            guard parts.count == 2, let currency = Currency(code: String(parts[1])),
                  let parsed = try? Money(decimal: String(parts[0]), currency: currency) else {
                throw AppError(.invalidInput, "Give the amount like \"10.00 USD\".")
            }
            amount = parsed
        }
        let request = NewCoupon(code: code, name: name, percentOffBasisPoints: percentBP, amountOff: amount, duration: duration,
                                durationPeriods: periods, maxRedemptions: maxRedemptions)
        return try await withBilling(config, logger: logger) { billing in
            let coupon = try await billing.createCoupon(nil, request)
            return "Created coupon \(coupon.code) (\(coupon.id))."
        }
    }

    /// The coupons, one line each.
    public static func coupons(_ config: KeelConfig, logger: Logger) async throws -> String {
        try await withBilling(config, logger: logger) { billing in
            let coupons = try await billing.coupons(nil)
            if coupons.isEmpty { return "There are no coupons." }
            return coupons.map { coupon in
                let off = coupon.amountOff.map { "\($0.decimalString) \($0.currency.code) off" }
                    ?? "\(Money(minorUnits: Int64(coupon.percentOffBasisPoints ?? 0), currency: .usd).decimalString) % off"
                let limit = coupon.maxRedemptions.map { "/\($0)" } ?? ""
                return "\(coupon.code)  \(coupon.name)  \(off)  \(coupon.duration.rawValue)\(coupon.durationPeriods.map { " ×\($0)" } ?? "")"
                    + "  redeemed \(coupon.timesRedeemed)\(limit)"
            }.joined(separator: "\n")
        }
    }

    /// Adds a plan or a new version of a code; prices like "USD:2900" (minor units).
    public static func createPlan(code: String, name: String, interval: String, trialDays: Int, seats: Int?, prices: [String],
                                  makeDefault: Bool, _ config: KeelConfig, logger: Logger) async throws -> String {
        guard let interval = Plan.Interval(rawValue: interval) else {
            throw AppError(.invalidInput, "The interval must be month or year.")
        }
        let parsed = try prices.map { text -> Money in
            let parts = text.split(separator: ":")
            guard parts.count == 2, let currency = Currency(code: String(parts[0])), let amount = Int64(parts[1]) else {
                throw AppError(.invalidInput, "Give each price as CURRENCY:minor-units, like USD:2900 (29.00 USD).")
            }
            return Money(minorUnits: amount, currency: currency)
        }
        let request = NewPlanVersion(code: code, name: name, interval: interval, trialDays: trialDays, seats: seats, prices: parsed,
                                     makeDefault: makeDefault)
        return try await withBilling(config, logger: logger) { billing in
            let plan = try await billing.createPlanVersion(nil, request)
            return "Created \(plan.code) v\(plan.version)\(plan.isDefault ? " (default)" : "") (\(plan.id))."
        }
    }

    /// Retires a plan code: no new subscriptions; existing ones keep their version.
    public static func retirePlan(code: String, _ config: KeelConfig, logger: Logger) async throws -> String {
        try await withBilling(config, logger: logger) { billing in
            let plan = try await billing.retirePlan(nil, code: code)
            return "Retired \(plan.code) v\(plan.version); its subscribers keep it."
        }
    }

    /// One pass of the billing scheduler, by hand: what was due by now is done.
    public static func billingRunDue(_ config: KeelConfig, logger: Logger) async throws -> String {
        try await withBilling(config, logger: logger) { billing in
            let report = try await billing.runDue(limit: 1000)
            return "Trial reminders \(report.trialReminders), trials ended \(report.trialsEnded), renewals \(report.renewals), "
                + "cancellations \(report.cancellations), blocked \(report.blocked)."
        }
    }

    // MARK: The outbox

    /// Events waiting, the oldest of them, and events given up on.
    public static func outboxStats(_ config: KeelConfig, logger: Logger) async throws -> String {
        try await withDispatcher(config, logger: logger) { dispatcher in
            let health = try await dispatcher.health()
            let now = dispatcher.clock.now
            let oldest = health.oldestPendingAt.map {
                "\($0.formatted(.iso8601)) (\(Int(max(0, now.timeIntervalSince($0)))) s ago)"
            } ?? "none"
            return "pending \(health.pending), oldest pending \(oldest), dead letters \(health.deadLettered)"
        }
    }

    /// Dead-lettered events, newest first: one line each, with the last error under it.
    public static func outboxDeadLetters(limit: Int, _ config: KeelConfig, logger: Logger) async throws -> String {
        try await withDispatcher(config, logger: logger) { dispatcher in
            let dead = try await dispatcher.deadLetters(limit: limit)
            if dead.isEmpty { return "No dead letters." }
            return dead.map { entry in
                "\(entry.id)  \(entry.createdAt.formatted(.iso8601))  \(entry.eventType)  tenant \(entry.tenantID)  attempts=\(entry.attempts)"
                    + (entry.lastError.map { "\n    last error: \($0)" } ?? "")
            }.joined(separator: "\n")
        }
    }

    /// One event's outbox row.
    public static func outboxShow(id: String, _ config: KeelConfig, logger: Logger) async throws -> String {
        try await withDispatcher(config, logger: logger) { dispatcher in
            let entry = try await Self.outboxEntry(id, dispatcher)
            return """
                Event:     \(entry.id)
                Type:      \(entry.eventType)
                Tenant:    \(entry.tenantID)
                Status:    \(entry.status.rawValue)
                Attempts:  \(entry.attempts)
                Created:   \(entry.createdAt.formatted(.iso8601))
                Last error: \(entry.lastError ?? "none")
                """
        }
    }

    /// Puts a dead-lettered event back in the queue with a fresh attempt budget; its
    /// subscribers' inboxes keep the ones that already handled it from doing so twice.
    public static func outboxRetry(id: String, _ config: KeelConfig, logger: Logger) async throws -> String {
        try await withDispatcher(config, logger: logger) { dispatcher in
            let entry = try await Self.outboxEntry(id, dispatcher)
            try await OutboxMonitor(dispatcher: dispatcher, clock: dispatcher.clock).retry(entry)
            return "Queued again: \(entry.eventType) \(entry.id)."
        }
    }

    private static func outboxEntry(_ id: String, _ dispatcher: EventDispatcher) async throws -> OutboxEntry {
        guard let eventID = EventID(id), let entry = try await dispatcher.entry(eventID) else {
            throw AppError(.invalidInput, "There is no event '\(id)' in the outbox.")
        }
        return entry
    }

    private static func withDispatcher<R: Sendable>(
        _ config: KeelConfig, logger: Logger, _ body: @Sendable (EventDispatcher) async throws -> R
    ) async throws -> R {
        try await DatabaseSetup.resolve(config, logger: logger).whileRunning { setup in
            try await DatabasePool.withPool(setup.server, logger: logger) { pool in
                // Inspecting and re-driving only: this dispatcher never runs, so it needs no subscribers.
                try await body(EventDispatcher(platform: pool.platformDatabase(), subscriptions: EventSubscriptions(), logger: logger))
            }
        }
    }

    private static func withBilling<R: Sendable>(
        _ config: KeelConfig, logger: Logger, _ body: @Sendable (BillingModule) async throws -> R
    ) async throws -> R {
        try await DatabaseSetup.resolve(config, logger: logger).whileRunning { setup in
            try await DatabasePool.withPool(setup.server, logger: logger) { pool in
                try await body(BillingModule(db: pool.database, platform: pool.platformDatabase(), policy: config.billingPolicy,
                                             payments: config.billingPayments, logger: logger))
            }
        }
    }

    private static func withNotifications<R: Sendable>(
        _ config: KeelConfig, logger: Logger, _ body: @Sendable (any NotificationsService) async throws -> R
    ) async throws -> R {
        try await DatabaseSetup.resolve(config, logger: logger).whileRunning { setup in
            try await DatabasePool.withPool(setup.server, logger: logger) { pool in
                // Reading the mailbox renders nothing, so no templates are loaded.
                let empty = try TemplateLibrary(sources: [:])
                return try await body(NotificationsModule(platform: pool.platformDatabase(), templates: { empty },
                                                          links: Links(publicURL: config.publicURL)))
            }
        }
    }

    /// Sets up logging for the process (once, before anything logs). `serve` logs JSON to
    /// stdout; the other commands to stderr, so what they print can be piped (`| jq`).
    public static func bootstrapLogging(_ config: KeelConfig, server: Bool) {
        LoggingSystem.bootstrap { label in
            switch config.logFormat {
            case .json: JSONLogHandler(label: label, level: config.logLevel, toStandardError: !server)
            case .text:
                {
                    var handler = StreamLogHandler.standardError(label: label)
                    handler.logLevel = config.logLevel
                    return handler
                }()
            }
        }
    }
}

/// When graceful shutdown began, so `serve` can tell whether it ran out of grace (the service
/// group cancels what is left silently).
private final class ShutdownClock: Service, Sendable {
    private let began = Mutex<ContinuousClock.Instant?>(nil)

    func run() async throws {
        try? await gracefulShutdown()
        began.withLock { $0 = .now }
    }

    var elapsed: Duration? { began.withLock { $0 }.map { .now - $0 } }
}
