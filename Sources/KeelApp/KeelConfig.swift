public import Foundation
public import Logging
import Configuration
import Kernel
public import Web
import Storage

/// Every setting of the server, with its default. Read from the environment by
/// `init(reader:)`; the README lists the variables. Tests build one by hand.
public struct KeelConfig: Sendable {
    /// `KEEL_HOST`: the address to listen on.
    public var host = "127.0.0.1"
    /// `KEEL_PORT`.
    public var port = 8080
    /// `DATABASE_URL`: the server's database role. `nil` starts the embedded cluster.
    public var databaseURL: String?
    /// `MIGRATION_DATABASE_URL`: the owner role that applies migrations.
    public var migrationDatabaseURL: String?
    /// `KEEL_BACKUP_DATABASE_URL`: what `keel backup` and `keel restore --verify` connect as
    /// when `DATABASE_URL` is set: a role that reads every row (superuser or BYPASSRLS).
    public var backupDatabaseURL: String?
    /// `KEEL_DATA_DIR`: where the embedded cluster lives.
    public var dataDirectory = ".data"
    /// `KEEL_DATABASE_NAME`: the embedded cluster's database (ignored with `DATABASE_URL`).
    public var embeddedDatabaseName = "keel"
    /// `KEEL_DB_POOL_SIZE`: connections in the pool.
    public var poolSize = 5
    /// `KEEL_MIGRATIONS_DIR`.
    public var migrationsDirectory = "migrations"
    /// `KEEL_TEMPLATES_DIR`: the admin console's and emails' templates.
    public var templatesDirectory = "Templates"
    /// `KEEL_TEMPLATES_RELOAD`: recompile templates when their files change (development).
    public var reloadTemplates = false
    /// Settings the environment gave that mean nothing (a misspelt log level): `keel` refuses to
    /// start while there are any, rather than run on a default the operator did not choose.
    public var problems: [String] = []
    /// `KEEL_LOG_LEVEL`: trace, debug, info, notice, warning, error, critical.
    public var logLevel: Logger.Level = .info
    /// `KEEL_LOG_FORMAT`: `json` (one object per line) or `text`.
    public var logFormat: LogFormat = .json
    /// `KEEL_HASH_THREADS`: threads that run Argon2id.
    public var hashThreads = 1
    /// `KEEL_HASH_QUEUE`: hash requests that may wait for a thread before callers get "busy".
    public var hashQueueDepth = 8
    /// `KEEL_ARGON2_MEMORY_KIB`, `KEEL_ARGON2_ITERATIONS`, `KEEL_ARGON2_PARALLELISM`.
    public var argon2MemoryKiB = 19_456
    public var argon2Iterations = 2
    public var argon2Parallelism = 1
    /// `KEEL_SHUTDOWN_GRACE_SECONDS`: how long in-flight work may take after SIGTERM.
    public var shutdownGraceSeconds = 10
    /// `KEEL_HTTP_HEAD_TIMEOUT_SECONDS`: how long a connection may take to send a request's head
    /// (and how long an idle keep-alive connection stays open); `KEEL_HTTP_BODY_TIMEOUT_SECONDS`:
    /// how long the rest of the request may take after its head.
    public var httpHeadTimeoutSeconds = 15
    public var httpBodyTimeoutSeconds = 30
    /// `KEEL_EVENT_LOOPS`: threads serving HTTP and PostgreSQL connections. 0 (the default) is
    /// SwiftNIO's shared group, one per core.
    public var eventLoops = 0
    /// `KEEL_MAX_BODY_BYTES`: the largest JSON request body.
    public var maxBodyBytes = 64 * 1024
    /// `KEEL_SESSION_IDLE_SECONDS`, `KEEL_SESSION_ABSOLUTE_SECONDS`: when sessions end.
    public var sessionIdleSeconds = 3600
    public var sessionAbsoluteSeconds = 12 * 3600
    /// `KEEL_ADMIN_IDLE_SECONDS`, `KEEL_ADMIN_ABSOLUTE_SECONDS`: when staff console sessions end.
    public var adminIdleSeconds = 30 * 60
    public var adminAbsoluteSeconds = 12 * 3600
    /// `KEEL_PUBLIC_DIR`: the stylesheet and images served under `/assets`.
    public var publicDirectory = "Public"
    /// Requests per minute: `KEEL_RATE_LIMIT_CREDENTIAL` (per session), `KEEL_RATE_LIMIT_TENANT`,
    /// `KEEL_RATE_LIMIT_LOGIN_ADDRESS` (logins and signups per client address),
    /// `KEEL_RATE_LIMIT_LOGIN_ACCOUNT` (logins per account). 0 turns one off.
    public var rateLimitCredential = 600
    public var rateLimitTenant = 3000
    public var rateLimitLoginAddress = 30
    public var rateLimitLoginAccount = 10
    /// `KEEL_TRUSTED_PROXIES`: CIDRs of the proxies whose `Forwarded` / `X-Forwarded-For`
    /// name the client (the rightmost address that is not one of them). Empty: the connection's
    /// peer is the client and those headers are ignored.
    public var trustedProxies = TrustedProxies.none
    /// `KEEL_INSTANCE_GROUP`: the instances that share the rate limits above (each applies its
    /// share: the limit divided by the group's live instances). One group per deployment.
    public var instanceGroup = "default"
    /// Apply migrations before serving (`keel serve --migrate`).
    public var migrateOnStart = false
    /// `KEEL_PUBLIC_URL`: where people reach the product; links in emails start with it.
    public var publicURL = "http://localhost:8080"
    /// `KEEL_MAIL_TRANSPORT`: `dev` (the development mailbox in the database, read with
    /// `keel mail list`) or `smtp` (the `KEEL_SMTP_*` server).
    public var mailTransport = "dev"
    /// `KEEL_WEBHOOKS_ALLOW_HTTP=1`: plain `http://` webhook endpoints (development only).
    public var webhooksAllowHTTP = false
    /// `KEEL_WEBHOOKS_ALLOW_PRIVATE=1`: webhooks to loopback and private addresses (tests
    /// only; logged as a warning at start-up). Off, such addresses are refused at registration
    /// and before every connection.
    public var webhooksAllowPrivate = false
    /// `KEEL_WEBHOOKS_TIMEOUT_SECONDS`: how long one delivery attempt may take.
    public var webhooksTimeoutSeconds = 15
    /// `KEEL_MAIL_FROM`: the sender address; the display name is the tenant's name.
    public var mailFrom = "no-reply@keel.localhost"
    /// `KEEL_MAIL_MAX_ATTEMPTS`, `KEEL_MAIL_RETRY_SECONDS`: sends before a message is failed,
    /// and the first retry delay (doubled per attempt, at most an hour).
    public var mailMaxAttempts = 8
    /// `KEEL_INVOICE_PREFIX`: invoice numbers are this and six or more digits.
    public var invoicePrefix = "KEEL-"
    /// `KEEL_INVOICE_ISSUER`: who issues the invoices, as their PDFs show it.
    public var invoiceIssuerName = "Keel"
    /// `KEEL_INVOICE_ISSUER_ADDRESS`: the issuer's address lines, separated by `|`.
    public var invoiceIssuerAddress: [String] = []
    /// `KEEL_BILLING_PAYMENT_TERMS_DAYS`: days from an invoice's issue to its due date.
    public var billingPaymentTermsDays = 7
    /// `KEEL_BILLING_GRACE_DAYS`: days a past-due subscription keeps access before it is blocked.
    public var billingGraceDays = 14
    /// `KEEL_BILLING_SCHEDULER_SECONDS`: how often the billing scheduler looks for due work (0: never).
    public var billingSchedulerSeconds = 60
    /// `KEEL_BILLING_RETRY_DAYS`: dunning, days after the first failed collection of an invoice
    /// that it is tried again, comma-separated (default 3,7,14: four tries over fourteen days).
    public var billingRetryDays = [3, 7, 14]
    /// `KEEL_STRIPE_API_KEY` (`sk_…`): collect invoices through Stripe. Without it collection is
    /// off (staff mark invoices paid) and start-up says so.
    public var stripeAPIKey: String?
    /// `KEEL_STRIPE_API_BASE`: where Stripe's API is (the tests point it at localstripe).
    public var stripeAPIBase = "https://api.stripe.com"
    /// `KEEL_STRIPE_WEBHOOK_SECRET` (`whsec_…`): verifies `POST /v1/billing/webhooks/stripe`.
    public var stripeWebhookSecret: String?
    /// `KEEL_METRICS_TOKEN`: the bearer token for `GET /metrics`; unset, there is no `/metrics`.
    public var metricsToken: String?
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`): where `keel serve`
    /// sends its traces over OTLP; unset, nothing is traced. The exporter reads the other
    /// standard `OTEL_*` variables itself (`OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_SERVICE_NAME` …).
    public var tracesEndpoint: String?
    /// `KEEL_STRIPE_TIMEOUT_SECONDS`: each call to the provider; an attempt is settled by
    /// asking the provider after twice this (its lease).
    public var stripeTimeoutSeconds = 20
    /// `KEEL_DEBUG_FAILPOINTS` (debug builds only): comma-separated points where the process
    /// exits on purpose (`after-charge`), for the fault battery.
    public var debugFailPoints: Set<String> = []
    public var mailRetrySeconds = 5.0
    /// `KEEL_SMTP_HOST`, `KEEL_SMTP_PORT`, `KEEL_SMTP_SECURITY` (`starttls`, `tls`, `none`),
    /// `KEEL_SMTP_USERNAME`, `KEEL_SMTP_PASSWORD`, `KEEL_SMTP_CA_FILE` (extra trusted
    /// certificates, PEM), `KEEL_SMTP_TIMEOUT_SECONDS` (per reply).
    /// `KEEL_ENCRYPTION_KEYS`: `id:base64,…`, 32-byte keys; the first seals, all open
    /// (docs/security.md). Without it the embedded database gets a development key under
    /// `.data/`; a server on an external `DATABASE_URL` refuses to start.
    public var encryptionKeys: String?
    /// `KEEL_MAIL_RETENTION_DAYS`: how long the delivery log keeps a message (90).
    public var mailRetentionDays = 90
    public var smtpHost = "localhost"
    public var smtpPort = 587
    public var smtpSecurity = "starttls"
    public var smtpUsername: String?
    public var smtpPassword: String?
    public var smtpCAFile: String?
    public var smtpTimeoutSeconds = 30

    public enum LogFormat: String, Sendable { case json, text }

    public init() {}

    /// Reads the environment (`KEEL_PORT`, `DATABASE_URL`, …) over the defaults.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let reader = ConfigReader(provider: EnvironmentVariablesProvider(
            environmentVariables: environment,
            secretsSpecifier: .specific(["DATABASE_URL", "MIGRATION_DATABASE_URL", "KEEL_SMTP_PASSWORD", "KEEL_ENCRYPTION_KEYS"])))
        var c = KeelConfig()
        c.host = reader.string(forKey: "keel.host", default: c.host)
        c.port = reader.int(forKey: "keel.port", default: c.port)
        c.databaseURL = reader.string(forKey: "database.url", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        c.migrationDatabaseURL = reader.string(forKey: "migration.database.url", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        c.backupDatabaseURL = reader.string(forKey: "keel.backup.database.url", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        c.dataDirectory = reader.string(forKey: "keel.data.dir", default: c.dataDirectory)
        c.embeddedDatabaseName = reader.string(forKey: "keel.database.name", default: c.embeddedDatabaseName)
        c.poolSize = reader.int(forKey: "keel.db.pool.size", default: c.poolSize)
        c.migrationsDirectory = reader.string(forKey: "keel.migrations.dir", default: c.migrationsDirectory)
        c.templatesDirectory = reader.string(forKey: "keel.templates.dir", default: c.templatesDirectory)
        c.reloadTemplates = reader.bool(forKey: "keel.templates.reload", default: c.reloadTemplates)
        // A misspelt level or format is reported (`problems`), never silently replaced by the default.
        let level = reader.string(forKey: "keel.log.level", default: "info")
        if let parsed = Logger.Level(rawValue: level) { c.logLevel = parsed } else {
            c.problems.append("KEEL_LOG_LEVEL must be trace, debug, info, notice, warning, error or critical, not '\(level)'.")
        }
        let format = reader.string(forKey: "keel.log.format", default: "json")
        if let parsed = LogFormat(rawValue: format) { c.logFormat = parsed } else {
            c.problems.append("KEEL_LOG_FORMAT must be json or text, not '\(format)'.")
        }
        c.hashThreads = reader.int(forKey: "keel.hash.threads", default: c.hashThreads)
        c.hashQueueDepth = reader.int(forKey: "keel.hash.queue", default: c.hashQueueDepth)
        c.argon2MemoryKiB = reader.int(forKey: "keel.argon2.memory.kib", default: c.argon2MemoryKiB)
        c.argon2Iterations = reader.int(forKey: "keel.argon2.iterations", default: c.argon2Iterations)
        c.argon2Parallelism = reader.int(forKey: "keel.argon2.parallelism", default: c.argon2Parallelism)
        c.shutdownGraceSeconds = reader.int(forKey: "keel.shutdown.grace.seconds", default: c.shutdownGraceSeconds)
        c.httpHeadTimeoutSeconds = reader.int(forKey: "keel.http.head.timeout.seconds", default: c.httpHeadTimeoutSeconds)
        c.httpBodyTimeoutSeconds = reader.int(forKey: "keel.http.body.timeout.seconds", default: c.httpBodyTimeoutSeconds)
        c.eventLoops = reader.int(forKey: "keel.event.loops", default: c.eventLoops)
        c.maxBodyBytes = reader.int(forKey: "keel.max.body.bytes", default: c.maxBodyBytes)
        c.sessionIdleSeconds = reader.int(forKey: "keel.session.idle.seconds", default: c.sessionIdleSeconds)
        c.sessionAbsoluteSeconds = reader.int(forKey: "keel.session.absolute.seconds", default: c.sessionAbsoluteSeconds)
        c.adminIdleSeconds = reader.int(forKey: "keel.admin.idle.seconds", default: c.adminIdleSeconds)
        c.adminAbsoluteSeconds = reader.int(forKey: "keel.admin.absolute.seconds", default: c.adminAbsoluteSeconds)
        c.publicDirectory = reader.string(forKey: "keel.public.dir", default: c.publicDirectory)
        c.rateLimitCredential = reader.int(forKey: "keel.rate.limit.credential", default: c.rateLimitCredential)
        c.rateLimitTenant = reader.int(forKey: "keel.rate.limit.tenant", default: c.rateLimitTenant)
        c.rateLimitLoginAddress = reader.int(forKey: "keel.rate.limit.login.address", default: c.rateLimitLoginAddress)
        c.rateLimitLoginAccount = reader.int(forKey: "keel.rate.limit.login.account", default: c.rateLimitLoginAccount)
        c.instanceGroup = reader.string(forKey: "keel.instance.group", default: c.instanceGroup)
        do {
            c.trustedProxies = try TrustedProxies(parsing: reader.string(forKey: "keel.trusted.proxies", default: ""))
        } catch let error as AppError {
            c.problems.append(error.detail)
        } catch {
            c.problems.append("KEEL_TRUSTED_PROXIES: \(error)")
        }
        c.publicURL = reader.string(forKey: "keel.public.url", default: c.publicURL)
        c.mailTransport = reader.string(forKey: "keel.mail.transport", default: c.mailTransport)
        c.mailFrom = reader.string(forKey: "keel.mail.from", default: c.mailFrom)
        c.webhooksAllowHTTP = reader.bool(forKey: "keel.webhooks.allow.http", default: c.webhooksAllowHTTP)
        c.webhooksAllowPrivate = reader.bool(forKey: "keel.webhooks.allow.private", default: c.webhooksAllowPrivate)
        c.webhooksTimeoutSeconds = reader.int(forKey: "keel.webhooks.timeout.seconds", default: c.webhooksTimeoutSeconds)
        c.mailMaxAttempts = reader.int(forKey: "keel.mail.max.attempts", default: c.mailMaxAttempts)
        c.invoicePrefix = reader.string(forKey: "keel.invoice.prefix", default: c.invoicePrefix)
        c.invoiceIssuerName = reader.string(forKey: "keel.invoice.issuer", default: c.invoiceIssuerName)
        c.invoiceIssuerAddress = reader.string(forKey: "keel.invoice.issuer.address", default: "")
            .split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        c.billingPaymentTermsDays = reader.int(forKey: "keel.billing.payment.terms.days", default: c.billingPaymentTermsDays)
        c.billingGraceDays = reader.int(forKey: "keel.billing.grace.days", default: c.billingGraceDays)
        c.billingSchedulerSeconds = reader.int(forKey: "keel.billing.scheduler.seconds", default: c.billingSchedulerSeconds)
        let retryDays = reader.string(forKey: "keel.billing.retry.days", default: "3,7,14")
        let parsedRetryDays = retryDays.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        if parsedRetryDays.allSatisfy({ ($0 ?? -1) > 0 }), parsedRetryDays.compactMap({ $0 }) == parsedRetryDays.compactMap({ $0 }).sorted() {
            c.billingRetryDays = parsedRetryDays.compactMap { $0 }
        } else {
            c.problems.append("KEEL_BILLING_RETRY_DAYS must be increasing whole days after the first failure, like 3,7,14, not '\(retryDays)'.")
        }
        c.stripeAPIKey = reader.string(forKey: "keel.stripe.api.key", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        c.stripeAPIBase = reader.string(forKey: "keel.stripe.api.base", default: c.stripeAPIBase)
        c.stripeWebhookSecret = reader.string(forKey: "keel.stripe.webhook.secret", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        c.metricsToken = reader.string(forKey: "keel.metrics.token", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        c.tracesEndpoint = (reader.string(forKey: "otel.exporter.otlp.traces.endpoint") ?? reader.string(forKey: "otel.exporter.otlp.endpoint"))
            .flatMap { $0.isEmpty ? nil : $0 }
        c.stripeTimeoutSeconds = max(1, reader.int(forKey: "keel.stripe.timeout.seconds", default: c.stripeTimeoutSeconds))
        c.debugFailPoints = Set(reader.string(forKey: "keel.debug.failpoints", default: "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        if c.invoicePrefix.count > 20 || c.invoicePrefix.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7E }) {
            c.problems.append("KEEL_INVOICE_PREFIX must be at most 20 printable ASCII characters without spaces, not '\(c.invoicePrefix)'.")
        }
        c.mailRetrySeconds = reader.double(forKey: "keel.mail.retry.seconds", default: c.mailRetrySeconds)
        c.encryptionKeys = reader.string(forKey: "keel.encryption.keys", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        if let keys = c.encryptionKeys {
            do { _ = try KeyRing(parsing: keys) } catch let error as AppError { c.problems.append(error.detail) } catch {}
        }
        c.mailRetentionDays = reader.int(forKey: "keel.mail.retention.days", default: c.mailRetentionDays)
        c.smtpHost = reader.string(forKey: "keel.smtp.host", default: c.smtpHost)
        c.smtpPort = reader.int(forKey: "keel.smtp.port", default: c.smtpPort)
        c.smtpSecurity = reader.string(forKey: "keel.smtp.security", default: c.smtpSecurity)
        c.smtpUsername = reader.string(forKey: "keel.smtp.username").flatMap { $0.isEmpty ? nil : $0 }
        c.smtpPassword = reader.string(forKey: "keel.smtp.password", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        c.smtpCAFile = reader.string(forKey: "keel.smtp.ca.file").flatMap { $0.isEmpty ? nil : $0 }
        c.smtpTimeoutSeconds = reader.int(forKey: "keel.smtp.timeout.seconds", default: c.smtpTimeoutSeconds)
        self = c
    }
}
