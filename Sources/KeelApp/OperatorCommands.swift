import Accounts
import AccountsAPI
import Foundation
import Hummingbird
import ServiceLifecycle
import UnixSignals
public import Logging
import PasswordHashing
import Storage

/// What the `keel` command's subcommands do, kept here so the executable stays a thin
/// parser over the same wiring the server uses.
public enum OperatorCommands {
    /// Builds the application and serves until SIGTERM or SIGINT. After the signal,
    /// in-flight work has `shutdownGraceSeconds`; then what is left is cancelled.
    public static func serve(_ config: KeelConfig, logger: Logger) async throws {
        let app = try await buildApplication(config, logger: logger)
        var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(config.shutdownGraceSeconds)
        try await ServiceGroup(configuration: group).run()
    }

    /// Applies pending migrations; returns the names applied.
    public static func migrate(_ config: KeelConfig, logger: Logger) async throws -> [String] {
        try await DatabaseSetup.resolve(config, logger: logger).whileRunning { setup in
            try await setup.migrate(config, logger: logger)
        }
    }

    /// Creates a tenant through the Accounts interface; returns it as a JSON object.
    public static func createTenant(slug: String, name: String, _ config: KeelConfig, logger: Logger) async throws -> String {
        try await DatabaseSetup.resolve(config, logger: logger).whileRunning { setup in
            let tenant = try await DatabasePool.withPool(setup.server, logger: logger) { pool in
                // Creating a tenant hashes nothing; the hasher is there because the module needs one.
                let hasher = PasswordHasher()
                do {
                    let tenant = try await Modules(pool: pool, hasher: hasher, config: config).accounts
                        .createTenant(CreateTenant(slug: slug, name: name))
                    try? await hasher.shutdown()
                    return tenant
                } catch {
                    try? await hasher.shutdown()
                    throw error
                }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            encoder.dateEncodingStrategy = .iso8601
            return String(decoding: try encoder.encode(tenant), as: UTF8.self)
        }
    }

    /// Sets up logging for the process (once, before anything logs).
    public static func bootstrapLogging(_ config: KeelConfig) {
        LoggingSystem.bootstrap { label in
            switch config.logFormat {
            case .json: JSONLogHandler(label: label, level: config.logLevel)
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
