internal import EventLoopExecutor
internal import NIOCore
internal import PostgresNIO
internal import Synchronization

/// Makes a statement on a connection that closes under it fail, instead of waiting for ever.
///
/// PostgresNIO 1.33 writes a statement into the channel without a write promise. When the
/// channel has just closed, the write fails, nothing fails the statement's own promise, and its
/// `await` never returns (vapor/postgres-nio#458; the fix, #487, was reverted in #501). A
/// PostgreSQL restart closes every connection that sits idle in a transaction between two
/// statements, so before this watch a restart left a request unanswered and graceful shutdown
/// waiting on it for ever.
///
/// So each statement runs in its own task, raced against its connection's close: whichever
/// comes first answers the caller. A statement stranded by a close stays suspended; it holds
/// only its own promise. The close is observed with one callback per connection (a callback
/// per statement would pile up on the connection's close future until it closed).
final class ConnectionWatch: Sendable {
    static let shared = ConnectionWatch()

    /// Waiters of the open connections, by connection. The connection's `id` is kept to tell a
    /// new connection apart from a freed one that had the same address (`id`s are only unique
    /// per pool; addresses only while alive).
    private struct Watched {
        let connectionID: Int
        var waiters: [UInt64: @Sendable () -> Void] = [:]
    }
    private struct State {
        var watched: [ObjectIdentifier: Watched] = [:]
        var nextTicket: UInt64 = 0
    }
    private let state = Mutex(State())

    /// Runs `statement` (which uses `connection`) so that the connection's close fails it with
    /// "database unavailable".
    func run<R: Sendable>(
        on connection: PostgresConnection, _ statement: @escaping @Sendable () async throws -> R
    ) async throws -> R {
        guard !connection.isClosed else { throw Self.closedError() }
        return try await withCheckedThrowingContinuation { continuation in
            let once = Once(continuation)
            let ticket = watch(connection) { once.resume(with: .failure(Self.closedError())) }
            // On the connection's own event loop: the reply resumes it where it arrives.
            Task(executorPreference: EventLoopExecutor.of(connection.eventLoop)) {
                let result: Result<R, any Error>
                do { result = .success(try await statement()) } catch { result = .failure(error) }
                self.unwatch(connection, ticket)
                once.resume(with: result)
            }
        }
    }

    private static func closedError() -> any Error {
        DatabaseError.unavailable("the connection closed while a statement was outstanding")
    }

    private func watch(_ connection: PostgresConnection, onClose: @escaping @Sendable () -> Void) -> UInt64 {
        let key = ObjectIdentifier(connection)
        let (ticket, isNew) = state.withLock { s -> (UInt64, Bool) in
            s.nextTicket &+= 1
            let isNew = s.watched[key]?.connectionID != connection.id
            if isNew { s.watched[key] = Watched(connectionID: connection.id) }
            s.watched[key]!.waiters[s.nextTicket] = onClose
            return (s.nextTicket, isNew)
        }
        if isNew {
            // Runs at once if the connection has closed meanwhile.
            let id = connection.id
            connection.closeFuture.whenComplete { _ in self.closed(key, connectionID: id) }
        }
        return ticket
    }

    private func unwatch(_ connection: PostgresConnection, _ ticket: UInt64) {
        let key = ObjectIdentifier(connection)
        state.withLock { s in
            guard s.watched[key]?.connectionID == connection.id else { return }
            s.watched[key]!.waiters[ticket] = nil
        }
    }

    private func closed(_ key: ObjectIdentifier, connectionID: Int) {
        let waiters = state.withLock { s -> [@Sendable () -> Void] in
            guard let watched = s.watched[key], watched.connectionID == connectionID else { return [] }
            s.watched[key] = nil
            return Array(watched.waiters.values)
        }
        for fail in waiters { fail() }
    }

    /// The caller's continuation, resumed by the first of the statement and the close.
    private final class Once<R: Sendable>: Sendable {
        private let continuation: Mutex<CheckedContinuation<R, any Error>?>
        init(_ continuation: CheckedContinuation<R, any Error>) { self.continuation = Mutex(continuation) }
        func resume(with result: Result<R, any Error>) {
            continuation.withLock { $0.take() }?.resume(with: result)
        }
    }
}
