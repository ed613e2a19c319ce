/// A fact one module publishes for others to react to. Event types live in the publisher's
/// `*API` target; they travel through the outbox as JSON, so renaming `eventType` is a breaking
/// change for stored events.
///
/// ```swift
/// public struct TenantSignedUp: IntegrationEvent {
///     public static let eventType = "accounts.tenant_signed_up.v1"
///     public let tenantID: TenantID
/// }
/// ```
public protocol IntegrationEvent: Codable, Sendable {
    static var eventType: String { get }
}
