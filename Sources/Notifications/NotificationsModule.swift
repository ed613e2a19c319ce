public import Kernel
public import NotificationsAPI
public import Storage
public import TemplateEngine

/// The implementation of `NotificationsService`, and the subscriber that turns other modules'
/// events into emails. A thin facade: each method hands its call to one use case.
///
/// Notifications never hears from Accounts or Billing directly: it subscribes to their
/// integration events through the outbox (`Events/`). Each subscriber renders the email from
/// `Templates/email/` and queues it in `notifications.messages` within the delivery's
/// transaction, so an event yields its email exactly once; `MailSender` (`Services/`) then
/// delivers the queue through a `MailTransport` (`Adapters/`).
public struct NotificationsModule: NotificationsService {
    let platform: PlatformDatabase
    let templates: @Sendable () -> TemplateLibrary
    let links: Links

    public init(platform: PlatformDatabase, templates: @escaping @Sendable () -> TemplateLibrary, links: Links) {
        self.platform = platform
        self.templates = templates
        self.links = links
    }

    /// Registers the email subscribers.
    public func subscribe(into subscriptions: inout EventSubscriptions) {
        let queue = QueueEmailStep(templates: templates)
        AccountEmailSubscriptions(queue: queue, links: links).register(into: &subscriptions)
        BillingEmailSubscriptions(queue: queue, links: links).register(into: &subscriptions)
        OrderEmailSubscriptions(queue: queue, links: links).register(into: &subscriptions)
    }

    public func mailbox(limit: Int, recipient: String?) async throws -> [MailboxMessage] {
        try await ListMailboxUseCase(platform: platform)(limit: limit, recipient: recipient)
    }

    public func mailboxMessage(_ id: MessageID) async throws -> MailboxMessage? {
        try await GetMailboxMessageUseCase(platform: platform)(id)
    }

    public func deliveries(limit: Int, status: Delivery.Status?) async throws -> [Delivery] {
        try await ListDeliveriesUseCase(platform: platform)(limit: limit, status: status)
    }

    @discardableResult
    public func retry(_ id: MessageID) async throws -> TenantID {
        try await RetryMessageUseCase(platform: platform)(id)
    }
}
