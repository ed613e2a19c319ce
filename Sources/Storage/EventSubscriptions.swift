import Foundation
public import Kernel

/// Who reacts to which integration event. Built once in the composition root, then handed
/// to the `EventDispatcher`.
///
/// ```swift
/// var subscriptions = EventSubscriptions()
/// subscriptions.subscribe(TenantSignedUp.self, as: "billing.start-trial") { event, tx in
///     try await trials.start(for: event.tenantID, in: tx)
/// }
/// ```
public struct EventSubscriptions: Sendable {
    struct Subscriber: Sendable {
        let name: String
        let handle: @Sendable (Data, TenantTransaction) async throws -> Void
    }

    private(set) var byType: [String: [Subscriber]] = [:]

    public init() {}

    /// Registers `handler` for events of type `E`. `name` identifies the subscriber in the inbox,
    /// so it must be unique and stable: renaming it re-delivers every stored event to it.
    ///
    /// The handler runs inside a transaction scoped to the event's tenant, together with the
    /// inbox record of this delivery: its database effects happen exactly once.
    public mutating func subscribe<E: IntegrationEvent>(
        _ type: E.Type, as name: String,
        _ handler: @escaping @Sendable (E, TenantTransaction) async throws -> Void
    ) {
        precondition(!byType.values.joined().contains { $0.name == name }, "duplicate subscriber name \(name)")
        byType[E.eventType, default: []].append(Subscriber(name: name) { payload, tx in
            try await handler(try JSONDecoder.outbox.decode(E.self, from: payload), tx)
        })
    }

    func subscribers(of eventType: String) -> [Subscriber] { byType[eventType] ?? [] }
}
