import Accounts
import AccountsAPI
import Billing
import BillingAPI
import Foundation
import InvoicePDF
public import Hummingbird
public import Kernel
public import Logging
import NIOCore
import NIOPosix
import Notifications
import NotificationsAPI
import Orders
import OrdersAPI
import PasswordHashing
import ServiceLifecycle
import Storage
import TemplateEngine
import Web

/// The composition root: the one place where module protocols meet their implementations.
/// `keel serve` and the tests call this same function.
///
/// Services start in order and stop in reverse: the embedded database (if any) first up and
/// last down, then the pool, the password hasher, the event dispatcher, then the HTTP server,
/// which on SIGTERM stops accepting and lets in-flight requests finish.
///
/// `clock` is the time every module and service reads (through the pool's transactions and
/// `Database.clock`); `keel serve` passes the system clock, tests may pass a `ManualClock`.
public func buildApplication(_ config: KeelConfig, clock: any WallClock = SystemClock(),
                             logger: Logger) async throws -> some ApplicationProtocol {
    let setup = try await DatabaseSetup.resolve(config, logger: logger)
    do {
        if config.migrateOnStart {
            try await setup.migrate(config, logger: logger)
        }
        try await DatabasePool.withPool(setup.server, logger: logger) { try await $0.verifyServerRole() }
        let migrations = try MigrationFile.load(from: URL(fileURLWithPath: config.migrationsDirectory))
        // Every template is compiled now: a broken one stops the start, with file:line:column.
        let templates: TemplateStore
        do {
            templates = try TemplateStore(directory: URL(fileURLWithPath: config.templatesDirectory),
                                          reload: config.reloadTemplates, logger: logger)
        } catch {
            throw AppError(.templatesInvalid, "The templates do not compile:\n\(error)")
        }

        let eventLoops = config.eventLoopGroup()
        let pool = DatabasePool(setup.server, clock: clock,
                                secrets: try config.keyRing(embedded: setup.cluster != nil, logger: logger),
                                eventLoops: eventLoops, logger: logger)
        let hasher = config.makePasswordHasher()
        let pdfs = InvoicePDFService()
        let modules = Modules(pool: pool, hasher: hasher, pdfs: pdfs, config: config, templates: { templates.library },
                              logger: logger)
        let mailSender = MailSender(platform: pool.platformDatabase(), transport: try makeMailTransport(config, pool: pool),
                                    fromAddress: config.mailFrom, options: config.mailSenderOptions, logger: logger)
        let webhookSender = WebhookSender(platform: pool.platformDatabase(), policy: config.webhookPolicy, logger: logger)
        let idempotency = IdempotencyKeys(pool: pool)
        let dispatcher = EventDispatcher(platform: pool.platformDatabase(), subscriptions: modules.subscriptions,
                                         logger: logger)
        // Its first heartbeat runs as the services start; until it answers (milliseconds) this
        // instance counts itself alone.
        let instances = InstanceRegistry(platform: pool.platformDatabase(), group: config.instanceGroup, logger: logger)

        let router = try makeRouter(WebDependencies(
            readiness: DatabaseReadiness(pool: pool, migrator: Migrator(files: migrations, logger: logger)),
            templates: { templates.library },
            accounts: modules.accounts,
            billing: modules.billing,
            orders: modules.orders,
            webhooks: modules.notifications,
            idempotency: idempotency,
            api: APISettings(maxBodyBytes: config.maxBodyBytes, rateLimits: RateLimitSettings(
                perCredential: config.rateLimitCredential, perTenant: config.rateLimitTenant,
                loginPerAddress: config.rateLimitLoginAddress, loginPerAccount: config.rateLimitLoginAccount),
                instances: instances, trustedProxies: config.trustedProxies),
            admin: AdminDependencies(staff: modules.staff, support: modules.staff, notifications: modules.notifications,
                                     billing: modules.billing, orders: modules.orders, webhooks: modules.notifications,
                                     outbox: OutboxMonitor(dispatcher: dispatcher, clock: clock), exporter: TenantArchives(pool: pool),
                                     publicDirectory: config.publicDirectory,
                                     clock: clock),
            metrics: MetricsSettings(token: config.metricsToken, sources: [
                StorageMetrics.shared, OutboxMonitor(dispatcher: dispatcher, clock: clock), modules.notifications,
                HasherMetrics(hasher: hasher), ProcessMetrics(), instances,
            ]), tracing: Traces.enabled))
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [RequestDeadlineHandler(
                headTimeout: .seconds(Int64(max(1, config.httpHeadTimeoutSeconds))),
                bodyTimeout: .seconds(Int64(max(1, config.httpBodyTimeoutSeconds))))]),
                           onEventLoop: servedOnEventLoop),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "keel"),
            services: [ShutdownAction(name: "embedded-postgres") { setup.stop() },
                       pool,
                       ShutdownAction(name: "password-hasher") { try? await hasher.shutdown() },
                       ShutdownAction(name: "invoice-pdf") { try? await pdfs.shutdown() },
                       dispatcher,
                       instances,
                       mailSender,
                       webhookSender,
                       // Idle, a look every 5 s; with work, batch after batch until none is left.
                       PeriodicTask(name: "bulk-jobs", every: .seconds(5), logger: logger) {
                           while try await modules.staff.runBulkJobs() > 0 {}
                       },
                       PeriodicTask(name: "end-overdue-impersonations", every: .seconds(30), logger: logger) {
                           _ = try await modules.staff.endOverdueImpersonations()
                       },
                       PeriodicTask(name: "purge-mail", every: .seconds(3600), logger: logger) {
                           try await mailSender.purge()
                       },
                       PeriodicTask(name: "prune-webhook-attempts", every: .seconds(3600), logger: logger) {
                           try await webhookSender.pruneAttempts()
                       },
                       BillingScheduler(billing: modules.billing, intervalSeconds: config.billingSchedulerSeconds,
                                        clock: clock, logger: logger),
                       PeriodicTask(name: "purge-idempotency-keys", every: .seconds(3600), logger: logger) {
                           try await idempotency.purge()
                       }],
            eventLoopGroupProvider: .shared(eventLoops),
            logger: logger
        )
    } catch {
        setup.stop()
        throw error
    }
}

/// The modules, wired to the database. Grows as modules land.
struct Modules {
    let accounts: any AccountsService
    /// Staff and support: one implementation behind two interfaces.
    let staff: StaffModule
    let notifications: NotificationsModule
    /// Billing: one implementation behind the tenant and the support interfaces.
    let billing: BillingModule
    /// Orders: one implementation behind the tenant and the support interfaces.
    let orders: OrdersModule
    let subscriptions: EventSubscriptions

    init(pool: DatabasePool, hasher: PasswordHasher, pdfs: InvoicePDFService, config: KeelConfig,
         templates: @escaping @Sendable () -> TemplateLibrary, logger: Logger) {
        let sessions = SessionPolicy(idleTimeout: .seconds(config.sessionIdleSeconds),
                                     absoluteTimeout: .seconds(config.sessionAbsoluteSeconds))
        let accounts = AccountsModule(db: pool.database, platform: pool.platformDatabase(), hasher: hasher, sessions: sessions)
        self.accounts = accounts
        staff = StaffModule(db: pool.database, platform: pool.platformDatabase(), hasher: hasher,
                            consoleSessions: StaffSessionPolicy(idleTimeout: .seconds(config.adminIdleSeconds),
                                                                absoluteTimeout: .seconds(config.adminAbsoluteSeconds)),
                            tenantSessions: sessions)
        let notifications = NotificationsModule(platform: pool.platformDatabase(), templates: templates,
                                                links: Links(publicURL: config.publicURL), webhookCatalog: webhookCatalog(),
                                                webhookPolicy: config.webhookPolicy, directory: accounts)
        billing = BillingModule(db: pool.database, platform: pool.platformDatabase(), policy: config.billingPolicy, pdfs: pdfs,
                                payments: config.billingPayments, logger: logger)
        if config.stripeAPIKey == nil {
            logger.notice("payments: no KEEL_STRIPE_API_KEY, so invoices are not collected (staff mark them paid)")
        } else if config.stripeWebhookSecret == nil {
            logger.warning("payments: no KEEL_STRIPE_WEBHOOK_SECRET, so the provider's webhooks are refused (attempts are still settled by asking the provider)")
        } else {
            logger.notice("payments: collecting through \(config.stripeAPIBase)")
        }
        let orders = OrdersModule(db: pool.database, platform: pool.platformDatabase(), billing: billing, billingSupport: billing)
        self.orders = orders
        var subscriptions = EventSubscriptions()
        accounts.subscribe(into: &subscriptions)
        notifications.subscribe(into: &subscriptions)
        billing.subscribe(into: &subscriptions)
        orders.subscribe(into: &subscriptions)
        self.notifications = notifications
        self.subscriptions = subscriptions
    }
}

/// The transport `KEEL_MAIL_TRANSPORT` names; a misspelt name or unsafe SMTP settings stop the start.
func makeMailTransport(_ config: KeelConfig, pool: DatabasePool) throws -> any MailTransport {
    switch config.mailTransport {
    case "dev":
        return DevMailbox(platform: pool.platformDatabase())
    case "smtp":
        guard let security = SMTPSettings.Security(rawValue: config.smtpSecurity) else {
            throw AppError(.configurationInvalid, "KEEL_SMTP_SECURITY must be starttls, tls or none, not '\(config.smtpSecurity)'.")
        }
        var settings = SMTPSettings(host: config.smtpHost, port: config.smtpPort, security: security,
                                    username: config.smtpUsername, password: config.smtpPassword)
        settings.trustedCertificatesFile = config.smtpCAFile
        settings.commandTimeout = .seconds(config.smtpTimeoutSeconds)
        do {
            return try SMTPTransport(settings: settings)
        } catch {
            throw AppError(.configurationInvalid, "The SMTP settings are not usable: \(error)")
        }
    default:
        throw AppError(.configurationInvalid, "KEEL_MAIL_TRANSPORT must be dev or smtp, not '\(config.mailTransport)'.")
    }
}

extension KeelConfig {
    /// The loops for HTTP and PostgreSQL together (`eventLoops`). A group made here lives as
    /// long as the process.
    func eventLoopGroup() -> any EventLoopGroup {
        eventLoops > 0 ? MultiThreadedEventLoopGroup(numberOfThreads: eventLoops) : MultiThreadedEventLoopGroup.singleton
    }

    /// The Argon2id pool with the configured cost; the caller shuts it down.
    func makePasswordHasher() -> PasswordHasher {
        PasswordHasher(
            parameters: .init(memoryKiB: UInt32(argon2MemoryKiB), iterations: UInt32(argon2Iterations),
                              parallelism: UInt32(argon2Parallelism)),
            threads: hashThreads, queueDepth: hashQueueDepth)
    }

    var billingPolicy: BillingPolicy {
        BillingPolicy(invoicePrefix: invoicePrefix, paymentTermsDays: max(0, billingPaymentTermsDays),
                      graceDays: max(0, billingGraceDays), issuerName: invoiceIssuerName, issuerAddress: invoiceIssuerAddress,
                      retryDays: billingRetryDays, providerLeaseSeconds: 2 * stripeTimeoutSeconds)
    }

    /// The payment provider, when a key is configured (docs/payments.md).
    var billingPayments: BillingModule.Payments? {
        stripeAPIKey.map {
            BillingModule.Payments(gateway: StripeGateway(apiKey: $0, base: stripeAPIBase, timeoutSeconds: stripeTimeoutSeconds),
                                   webhookSecret: stripeWebhookSecret, failPoints: FailPoints(debugFailPoints))
        }
    }

    var webhookPolicy: WebhookPolicy {
        var policy = WebhookPolicy()
        policy.allowHTTP = webhooksAllowHTTP
        policy.allowPrivateAddresses = webhooksAllowPrivate
        policy.timeout = .seconds(max(1, webhooksTimeoutSeconds))
        return policy
    }

    var mailSenderOptions: MailSender.Options {
        var options = MailSender.Options()
        options.maxAttempts = max(1, mailMaxAttempts)
        options.baseBackoff = .milliseconds(Int(max(0.01, mailRetrySeconds) * 1000))
        options.retention = .seconds(max(1, mailRetentionDays) * 86_400)
        return options
    }
}

/// A service that does nothing until shutdown, then runs `action`: for resources created
/// before the service group (the embedded database, the hashing threads) that must be
/// released after the services listed after it have stopped.
struct ShutdownAction: Service {
    let name: String
    let action: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await action()
    }
}

/// The outbox for the console and the operator's commands.
struct OutboxMonitor: OutboxProbe {
    let dispatcher: EventDispatcher
    /// The injected clock: the oldest pending event's age is measured against it.
    let clock: any WallClock
    func health() async throws -> OutboxHealth { try await dispatcher.health() }

    func deadLetters(limit: Int) async throws -> [OutboxDeadLetter] {
        try await dispatcher.deadLetters(limit: limit).map {
            OutboxDeadLetter(id: $0.id, tenantID: $0.tenantID, eventType: $0.eventType, attempts: $0.attempts,
                             lastError: $0.lastError, createdAt: $0.createdAt)
        }
    }

    func retry(_ id: EventID) async throws -> TenantID {
        guard let entry = try await dispatcher.entry(id) else {
            throw AppError(.notFound, "There is no event '\(id)' in the outbox.")
        }
        try await retry(entry)
        return entry.tenantID
    }

    /// Queues `entry` again if it is dead-lettered (the console and `keel outbox dead-letters retry`).
    func retry(_ entry: OutboxEntry) async throws {
        guard entry.status == .dead else {
            throw AppError(.conflict, "Event \(entry.id) is \(entry.status.rawValue), not dead-lettered: there is nothing to retry.")
        }
        try await dispatcher.redrive(entry.id, tenantID: entry.tenantID)
    }
}

/// `/readyz`: the database answers and every migration file is applied, unchanged.
struct DatabaseReadiness: ReadinessProbe {
    let pool: DatabasePool
    let migrator: Migrator

    func check() async -> [String: Bool] {
        guard await pool.ping() else { return ["database": false, "migrations": false] }
        let current = (try? await migrator.isCurrent(pool)) ?? false
        return ["database": true, "migrations": current]
    }
}
