import Logging
import ServiceLifecycle

/// Runs `work` every `interval` until shutdown; a failure is logged and tried again next time.
struct PeriodicTask: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Void

    init(name: String, every interval: Duration, logger: Logger, _ work: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.work = work
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await work()
            } catch {
                logger.warning("periodic task failed", metadata: ["task": "\(name)", "error": "\(error)"])
            }
            // Returns at once when shutdown begins, rather than sleeping through it.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
