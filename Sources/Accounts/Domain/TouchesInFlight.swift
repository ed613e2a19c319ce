import Foundation
import Synchronization

/// The sessions and API keys whose `last_seen_at` / `last_used_at` this process is writing now.
///
/// Why: after a pause, every request a client has in flight finds its session stale at once
/// (32 of them, in the benchmark), and each wrote the same row in a transaction of its own —
/// queued on that row's lock, each holding a pooled connection while it waited. One write is
/// enough; the others go on without one. A touch is a hint for the idle timeout, so one skipped
/// here costs nothing: the request that wrote it used the same minute.
final class TouchesInFlight: Sendable {
    private let ids = Mutex<Set<UUID>>([])

    /// Runs `touch` unless a touch of `id` is under way already.
    func once(_ id: UUID, _ touch: () async throws -> Void) async throws {
        guard ids.withLock({ $0.insert(id).inserted }) else { return }
        defer { ids.withLock { _ = $0.remove(id) } }
        try await touch()
    }
}
