import PasswordHashing
import Synchronization

/// A hash of a random password, made once with the live parameters: unknown users are
/// verified against it so that they cost the same time as real ones.
final class DummyHash: Sendable {
    private let cached = Mutex<String?>(nil)

    func value(_ hasher: PasswordHasher) async throws -> String {
        if let hash = cached.withLock({ $0 }) { return hash }
        let hash = try await hasher.hash(SecretToken.make(.session).token)
        cached.withLock { $0 = hash }
        return hash
    }
}
