import KeelApp
import Logging
import Testing

@Suite("Configuration from the environment")
struct KeelConfigTests {
    @Test("defaults, with nothing set")
    func defaults() {
        let config = KeelConfig(environment: [:])
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8080)
        #expect(config.databaseURL == nil)
        #expect(config.dataDirectory == ".data")
        #expect(config.poolSize == 5)
        #expect(config.hashThreads == 1)
        #expect(config.argon2MemoryKiB == 19_456)
        #expect(config.argon2Iterations == 2)
        #expect(config.argon2Parallelism == 1)
    }

    @Test("environment variables override the defaults")
    func environment() {
        let config = KeelConfig(environment: [
            "KEEL_HOST": "0.0.0.0", "KEEL_PORT": "9090", "DATABASE_URL": "postgres://a@db/keel",
            "MIGRATION_DATABASE_URL": "postgres://o@db/keel", "KEEL_DATA_DIR": "/srv/keel", "KEEL_DB_POOL_SIZE": "12",
            "KEEL_LOG_LEVEL": "debug", "KEEL_LOG_FORMAT": "text", "KEEL_HASH_THREADS": "2", "KEEL_ARGON2_MEMORY_KIB": "65536",
        ])
        #expect(config.host == "0.0.0.0")
        #expect(config.port == 9090)
        #expect(config.databaseURL == "postgres://a@db/keel")
        #expect(config.migrationDatabaseURL == "postgres://o@db/keel")
        #expect(config.dataDirectory == "/srv/keel")
        #expect(config.poolSize == 12)
        #expect(config.logLevel == .debug)
        #expect(config.logFormat == .text)
        #expect(config.hashThreads == 2)
        #expect(config.argon2MemoryKiB == 65_536)
    }

    @Test("an empty DATABASE_URL means the embedded database")
    func emptyURL() {
        #expect(KeelConfig(environment: ["DATABASE_URL": ""]).databaseURL == nil)
    }
}
