import Kernel
internal import NIOPosix
internal import Synchronization

/// Hashes and verifies passwords with Argon2id on a small thread pool of its own.
///
/// Each running hash holds `memoryKiB` of memory (19 MiB by default) and a core for tens of
/// milliseconds, so work is admitted through a bounded queue: when `threads + queueDepth`
/// requests are already in, the next caller gets `AppError(.busy)` at once instead of
/// piling up memory and latency.
///
/// ```swift
/// let hasher = PasswordHasher()
/// let phc = try await hasher.hash("correct horse battery staple")
/// let ok = try await hasher.verify("correct horse battery staple", against: phc)
/// ```
public final class PasswordHasher: Sendable {
    /// Argon2id cost parameters; the defaults are OWASP's minimum for Argon2id.
    public struct Parameters: Sendable, Equatable {
        public var memoryKiB: UInt32 = 19_456
        public var iterations: UInt32 = 2
        public var parallelism: UInt32 = 1
        public var saltLength = 16
        public var hashLength = 32
        public init() {}
        public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
            self.memoryKiB = memoryKiB
            self.iterations = iterations
            self.parallelism = parallelism
        }
    }

    public let parameters: Parameters
    public let threads: Int
    public let queueDepth: Int
    private let pool: NIOThreadPool
    private let admitted = Mutex(0)
    private let refused = Mutex(0)

    /// - Parameters:
    ///   - threads: hashing threads (default 1: one core for hashing, the rest for requests).
    ///   - queueDepth: requests that may wait for a thread before callers are turned away.
    public init(parameters: Parameters = .init(), threads: Int = 1, queueDepth: Int = 8) {
        self.parameters = parameters
        self.threads = max(1, threads)
        self.queueDepth = max(0, queueDepth)
        self.pool = NIOThreadPool(numberOfThreads: self.threads)
        pool.start()
    }

    /// Stops the hashing threads (after the work already admitted).
    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }

    /// A PHC-encoded Argon2id hash of `password` with a fresh 128-bit salt.
    public func hash(_ password: String) async throws -> String {
        var generator = SystemRandomNumberGenerator()  // getrandom(2): a CSPRNG
        let salt = (0..<parameters.saltLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let bytes = Array(password.utf8)
        let parameters = self.parameters
        return try await run { try Argon2id.hash(bytes, salt: salt, parameters: parameters) }
    }

    /// Whether `password` matches the PHC string `encoded` (constant-time comparison).
    public func verify(_ password: String, against encoded: String) async throws -> Bool {
        let bytes = Array(password.utf8)
        return try await run { Argon2id.verify(bytes, encoded: encoded) }
    }

    /// Whether `encoded` was made with other parameters than the current ones (or another
    /// algorithm): re-hash the password after a successful sign-in.
    public func needsRehash(_ encoded: String) -> Bool {
        guard let phc = PHCString(encoded), phc.algorithm == "argon2id", phc.version == 19 else { return true }
        return phc.memoryKiB != parameters.memoryKiB || phc.iterations != parameters.iterations
            || phc.parallelism != parameters.parallelism || phc.saltLength != parameters.saltLength
            || phc.hashLength != parameters.hashLength
    }

    /// Requests admitted and not yet finished (running or waiting).
    public var inFlight: Int { admitted.withLock { $0 } }

    /// Requests turned away because the queue was full, since the start.
    public var rejected: Int { refused.withLock { $0 } }

    /// Runs `body` holding one place in the hasher's queue, taken first: when there is none,
    /// this throws "busy" at once, before `body` does any other work (a login refused in a
    /// storm then costs no database work either). The hashes `body` asks for use that place.
    public func withAdmission<R>(_ body: () async throws -> R) async throws -> R {
        if Self.holdsAdmission { return try await body() }
        try admit()
        defer { admitted.withLock { $0 -= 1 } }
        return try await Self.$holdsAdmission.withValue(true) { try await body() }
    }

    @TaskLocal private static var holdsAdmission = false


    private func admit() throws {
        let capacity = threads + queueDepth
        let admittedNow = admitted.withLock { count in
            guard count < capacity else { return false }
            count += 1
            return true
        }
        guard admittedNow else {
            refused.withLock { $0 += 1 }
            throw AppError(.busy, "Too many sign-ins are being processed; try again in a moment.")
        }
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withAdmission { try await pool.runIfActive(work) }
    }
}
