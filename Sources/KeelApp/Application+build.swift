import Accounts
import AccountsAPI
import Foundation
public import Hummingbird
import Kernel
public import Logging
import PasswordHashing
import ServiceLifecycle
import Storage
import Web

/// The composition root: the one place where module protocols meet their implementations.
/// `keel serve` and the tests call this same function.
///
/// Services start in order and stop in reverse: the embedded database (if any) first up and
/// last down, then the pool, the password hasher, the event dispatcher, then the HTTP server,
/// which on SIGTERM stops accepting and lets in-flight requests finish.
public func buildApplication(_ config: KeelConfig, logger: Logger) async throws -> some ApplicationProtocol {
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

        let pool = DatabasePool(setup.server, logger: logger)
        let hasher = PasswordHasher(
            parameters: .init(memoryKiB: UInt32(config.argon2MemoryKiB), iterations: UInt32(config.argon2Iterations),
                              parallelism: UInt32(config.argon2Parallelism)),
            threads: config.hashThreads, queueDepth: config.hashQueueDepth)
        let modules = Modules(pool: pool, hasher: hasher, config: config)
        let idempotency = IdempotencyKeys(pool: pool)
        let dispatcher = EventDispatcher(platform: pool.platformDatabase(), subscriptions: modules.subscriptions,
                                         logger: logger)

        let router = try makeRouter(WebDependencies(
            readiness: DatabaseReadiness(pool: pool, migrator: Migrator(files: migrations, logger: logger)),
            templates: { templates.library },
            accounts: modules.accounts,
            idempotency: idempotency,
            api: APISettings(maxBodyBytes: config.maxBodyBytes, rateLimits: RateLimitSettings(
                perCredential: config.rateLimitCredential, perTenant: config.rateLimitTenant,
                loginPerAddress: config.rateLimitLoginAddress, loginPerAccount: config.rateLimitLoginAccount))))
        return Application(
            router: router,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "keel"),
            services: [ShutdownAction(name: "embedded-postgres") { setup.stop() },
                       pool,
                       ShutdownAction(name: "password-hasher") { try? await hasher.shutdown() },
                       dispatcher,
                       PeriodicTask(name: "purge-idempotency-keys", every: .seconds(3600), logger: logger) {
                           try await idempotency.purge()
                       }],
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
    let subscriptions: EventSubscriptions

    init(pool: DatabasePool, hasher: PasswordHasher, config: KeelConfig) {
        accounts = AccountsModule(
            db: pool.database, platform: pool.platformDatabase(), hasher: hasher,
            sessions: SessionPolicy(idleTimeout: .seconds(config.sessionIdleSeconds),
                                    absoluteTimeout: .seconds(config.sessionAbsoluteSeconds)))
        subscriptions = EventSubscriptions()
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
