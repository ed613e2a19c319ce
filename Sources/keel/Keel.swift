import ArgumentParser
import Foundation
import KeelApp
import Kernel
import Logging

@main
struct Keel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keel",
        abstract: "Keel, a multi-tenant SaaS backend.",
        discussion: "Settings come from the environment (see README); flags override them.",
        subcommands: [Serve.self, Migrate.self, Tenants.self, Staff.self, Mail.self, Plans.self, Coupons.self, Billing.self,
                      Outbox.self, Backup.self, Restore.self, Secrets.self, Healthcheck.self],
        defaultSubcommand: Serve.self
    )
}

/// Flags shared by every subcommand that touches the database.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "Where the embedded PostgreSQL lives when DATABASE_URL is unset (KEEL_DATA_DIR).")
    var dataDir: String?

    /// The settings; `server` logs to stdout, every other command to stderr.
    func config(server: Bool = false) throws -> KeelConfig {
        var config = KeelConfig(environment: ProcessInfo.processInfo.environment)
        if let problem = config.problems.first { throw ValidationError(problem) }
        if let dataDir { config.dataDirectory = dataDir }
        OperatorCommands.bootstrapLogging(config, server: server)
        return config
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the API and the admin console.")

    @Option(help: "Address to listen on (KEEL_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (KEEL_PORT, default 8080).") var port: Int?
    @Flag(help: "Apply pending migrations before serving.") var migrate = false
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        var config = try database.config(server: true)
        if let host { config.host = host }
        if let port { config.port = port }
        config.migrateOnStart = migrate
        let logger = Logger(label: "keel")
        try await exitOnAppError(logger) {
            try await OperatorCommands.serve(config, logger: logger)
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations (as MIGRATION_DATABASE_URL's role).")
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let config = try database.config()
        let logger = Logger(label: "keel.migrate")
        try await exitOnAppError(logger) {
            let applied = try await OperatorCommands.migrate(config, logger: logger)
            print(applied.isEmpty ? "Migrations are up to date." : "Applied \(applied.count): \(applied.joined(separator: ", "))")
        }
    }
}

struct Tenants: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage tenants.", subcommands: [Create.self, Export.self, Import.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every row a tenant owns, across all modules, as NDJSON (read through the tenant path).",
            discussion: "A line per table goes to standard error as it is written. The file holds secrets (see docs/operations.md).")
        @Option(help: "The tenant's slug.") var tenant: String
        @Option(help: "The file to write ('-': standard output); never overwritten.") var to: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = Logger(label: "keel.tenants")
            try await exitOnAppError(logger) {
                let summary = try await OperatorCommands.exportTenant(slug: tenant, to: to, try database.config(), logger: logger)
                FileHandle.standardError.write(Data((summary + "\n").utf8))
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Insert a tenant export into this database, which must not have the tenant; all or nothing.")
        @Option(help: "A file written by 'keel tenants export'.") var from: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = Logger(label: "keel.tenants")
            try await exitOnAppError(logger) {
                print(try await OperatorCommands.importTenant(from: from, try database.config(), logger: logger))
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant.")
        @Option(help: "The tenant's address: 3-40 of a-z, 0-9, '-'.") var slug: String
        @Option(help: "The tenant's display name.") var name: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let config = try database.config()
            let logger = Logger(label: "keel.tenants")
            try await exitOnAppError(logger) {
                print(try await OperatorCommands.createTenant(slug: slug, name: name, config, logger: logger))
            }
        }
    }
}

struct Staff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage the staff console's people.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a staff member.",
            discussion: "Prints a one-time password (never logged). The first sign-in at /admin sets a new password and enrols TOTP.")
        @Option(help: "Their email address (the sign-in name).") var email: String
        @Option(help: "support, billing-ops or admin.") var role: String
        @Option(help: "Their name, as the console shows it.") var name = ""
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = Logger(label: "keel.staff")
            try await exitOnAppError(logger) {
                print(try await OperatorCommands.createStaff(email: email, name: name, role: role, try database.config(), logger: logger))
            }
        }
    }
}

struct Mail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read the development mailbox and the delivery log.",
        discussion: "With KEEL_MAIL_TRANSPORT=dev (the default) every email Keel sends lands in the mailbox.",
        subcommands: [List.self, Show.self, Log.self, Retry.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the mailbox, newest first.")
        @Option(help: "Only messages to this address.") var to: String?
        @Option(help: "At most this many.") var limit = 20
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = Logger(label: "keel.mail")
            try await exitOnAppError(logger) {
                print(try await OperatorCommands.mailList(recipient: to, limit: limit, try database.config(), logger: logger))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one message of the mailbox.")
        @Argument(help: "The message id (from 'keel mail list').") var id: String
        @Flag(help: "The whole MIME message, as SMTP would carry it.") var mime = false
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = Logger(label: "keel.mail")
            try await exitOnAppError(logger) {
                print(try await OperatorCommands.mailShow(id: id, mime: mime, try database.config(), logger: logger))
            }
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The delivery log: state, attempts, last error.")
        @Option(help: "queued, sent or failed.") var status: String?
        @Option(help: "At most this many.") var limit = 50
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = Logger(label: "keel.mail")
            try await exitOnAppError(logger) {
                print(try await OperatorCommands.mailLog(status: status, limit: limit, try database.config(), logger: logger))
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a failed message again.")
        @Argument(help: "The message id (from 'keel mail log').") var id: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = Logger(label: "keel.mail")
            try await exitOnAppError(logger) {
                try await OperatorCommands.mailRetry(id: id, try database.config(), logger: logger)
                print("Queued again.")
            }
        }
    }
}

struct Outbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The outbox: events between modules, and the ones given up on.",
        subcommands: [Stats.self, DeadLetters.self])

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Events waiting, the oldest of them, and dead letters.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = Logger(label: "keel.outbox")
            try await exitOnAppError(logger) { print(try await OperatorCommands.outboxStats(try database.config(), logger: logger)) }
        }
    }

    struct DeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dead-letters", abstract: "Events whose every attempt failed: list, show, retry.",
            subcommands: [List.self, Show.self, Retry.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Dead letters, newest first, with their last error.")
            @Option(help: "At most this many.") var limit = 50
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let logger = Logger(label: "keel.outbox")
                try await exitOnAppError(logger) {
                    print(try await OperatorCommands.outboxDeadLetters(limit: limit, try database.config(), logger: logger))
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "One event's outbox row.")
            @Argument(help: "The event id (from 'keel outbox dead-letters list').") var id: String
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let logger = Logger(label: "keel.outbox")
                try await exitOnAppError(logger) { print(try await OperatorCommands.outboxShow(id: id, try database.config(), logger: logger)) }
            }
        }

        struct Retry: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Queue a dead-lettered event again, with a fresh attempt budget.")
            @Argument(help: "The event id.") var id: String
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let logger = Logger(label: "keel.outbox")
                try await exitOnAppError(logger) { print(try await OperatorCommands.outboxRetry(id: id, try database.config(), logger: logger)) }
            }
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up Keel's schemas: pg_dump's custom format and a manifest (time, migration, row counts, checksum).",
        discussion: """
            Reads as the embedded cluster's superuser, or as KEEL_BACKUP_DATABASE_URL (a role that reads every row). \
            Check a backup with 'keel restore --from DIR --verify'.
            """)
    @Option(help: "The directory to write (made if missing; refused if it already holds a backup).") var to: String
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = Logger(label: "keel.backup")
        try await exitOnAppError(logger) { print(try await Backups.backup(to: to, try database.config(), logger: logger)) }
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a backup by restoring it into a scratch database on the same server.",
        discussion: """
            With --verify: restores into keel_restore_<time>, compares the migration and every table's row count with \
            the manifest, checks that row-level security is forced on every tenant table and that a sample of tenants \
            reads through the tenant path (as the server's role), then drops the scratch database and prints one \
            line. Exits 1 when a check fails.
            """)
    @Option(help: "A directory written by 'keel backup'.") var from: String
    @Flag(help: "Restore into a scratch database and check it (the only mode: restoring over a live database is pg_restore's job, with Keel stopped).")
    var verify = false
    @Flag(help: "Keep the scratch database for inspection.") var keep = false
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard verify else {
            throw ValidationError("keel restore restores into a scratch database and checks it: pass --verify. "
                + "To put a backup in place of a database, stop Keel and use pg_restore (docs/operations.md).")
        }
    }

    func run() async throws {
        let logger = Logger(label: "keel.restore")
        try await exitOnAppError(logger) {
            let result = try await Backups.verifyRestore(from: from, keep: keep, try database.config(), logger: logger)
            print(result.verdict)
            if !result.passed { throw ExitCode.failure }
        }
    }
}

struct Secrets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keys that seal secrets in the database (KEEL_ENCRYPTION_KEYS).", subcommands: [NewKey.self, Rotate.self])

    struct NewKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new-key",
            abstract: "Print a new KEEL_ENCRYPTION_KEYS entry (id:base64): put it first, keep the older keys after it.")
        @Option(help: "The key's id (letters, digits, - or _); by default k<today>.") var id: String?

        func run() throws { print(SecretsCommands.newKey(id: id)) }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal every secret under the first key of KEEL_ENCRYPTION_KEYS; resumable, with progress on standard error.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = Logger(label: "keel.secrets")
            try await exitOnAppError(logger) {
                print(try await SecretsCommands.rotate(try database.config(), logger: logger) { line in
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                })
            }
        }
    }
}

/// Prints an `AppError`'s sentence (and its diagnostics) and exits 1, instead of a stack
/// of Swift error descriptions.
func exitOnAppError(_ logger: Logger, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as AppError {
        var message = "error: \(error.detail)\n"
        if let diagnostics = error.diagnostics { message += "  (\(diagnostics))\n" }
        FileHandle.standardError.write(Data(message.utf8))
        throw ExitCode.failure
    }
}

struct Plans: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The plan catalog.", subcommands: [List.self, Create.self, Retire.self],
                                                    defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List each code's newest active version.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let config = try database.config()
            let logger = Logger(label: "keel.plans")
            try await exitOnAppError(logger) { print(try await OperatorCommands.plans(config, logger: logger)) }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a plan, or a new version of a code (a price change: existing subscribers keep theirs).")
        @Option(help: "2-40 of a-z, 0-9, '-'.") var code: String
        @Option(help: "The plan's name.") var name: String
        @Option(help: "month or year.") var interval = "month"
        @Option(help: "Trial days for new subscribers.") var trialDays = 14
        @Option(help: "Users the plan allows (unset: unlimited).") var seats: Int?
        @Option(help: "A price, CURRENCY:minor-units (USD:2900 is 29.00 USD); repeat per currency.") var price: [String] = []
        @Flag(help: "Make it the plan sign-up starts trials on.") var makeDefault = false
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let config = try database.config()
            let logger = Logger(label: "keel.plans")
            try await exitOnAppError(logger) {
                print(try await OperatorCommands.createPlan(code: code, name: name, interval: interval, trialDays: trialDays,
                                                            seats: seats, prices: price, makeDefault: makeDefault, config,
                                                            logger: logger))
            }
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retire a code: no new subscriptions; existing ones keep it.")
        @Option(help: "The plan's code.") var code: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let config = try database.config()
            let logger = Logger(label: "keel.plans")
            try await exitOnAppError(logger) { print(try await OperatorCommands.retirePlan(code: code, config, logger: logger)) }
        }
    }
}

struct Billing: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Billing operations.", subcommands: [RunDue.self])

    struct RunDue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run-due",
            abstract: "Run one pass of the billing scheduler now: trial reminders and ends, renewals, cancellations, grace periods.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let config = try database.config()
            let logger = Logger(label: "keel.billing")
            try await exitOnAppError(logger) { print(try await OperatorCommands.billingRunDue(config, logger: logger)) }
        }
    }
}

struct Coupons: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage coupons.", subcommands: [List.self, Create.self],
                                                    defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the coupons.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let config = try database.config()
            let logger = Logger(label: "keel.coupons")
            try await exitOnAppError(logger) { print(try await OperatorCommands.coupons(config, logger: logger)) }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a coupon tenants redeem by code.")
        @Option(help: "3-40 of A-Z, 0-9, '-'.") var code: String
        @Option(help: "What invoices call the discount.") var name: String
        @Option(help: "A percentage off, like 25 or 12.5.") var percentOff: String?
        @Option(help: "A fixed amount off, like \"10.00 USD\".") var amountOff: String?
        @Option(help: "once, repeating or forever.") var duration = "once"
        @Option(help: "For repeating: how many invoices.") var periods: Int?
        @Option(help: "How many tenants may redeem it.") var maxRedemptions: Int?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let config = try database.config()
            let logger = Logger(label: "keel.coupons")
            try await exitOnAppError(logger) {
                print(try await OperatorCommands.createCoupon(code: code, name: name, percentOff: percentOff, amountOff: amountOff,
                                                              duration: duration, periods: periods,
                                                              maxRedemptions: maxRedemptions, config, logger: logger))
            }
        }
    }
}
