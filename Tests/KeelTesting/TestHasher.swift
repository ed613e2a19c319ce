public import PasswordHashing

/// Argon2id at the smallest cost libargon2 accepts: tests exercise the real hashing path
/// without spending a quarter-second per login.
public enum TestHasher {
    public static let shared = PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 1, parallelism: 1),
                                              threads: 2, queueDepth: 256)
}
