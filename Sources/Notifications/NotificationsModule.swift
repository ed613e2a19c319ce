public import Foundation
public import AccountsAPI
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
///
/// It is also `WebhooksService`: the events the webhook catalog declares become signed
/// messages to the tenant's endpoints, queued the same way and delivered by `WebhookSender`.
public struct NotificationsModule: NotificationsService, WebhooksService, WebhooksSupportService {
    let platform: PlatformDatabase
    let templates: @Sendable () -> TemplateLibrary
    let links: Links
    let webhookCatalog: WebhookCatalog
    let webhookPolicy: WebhookPolicy
    /// Who a tenant's owners are (for the notice that an endpoint was disabled); nil where no
    /// subscriber runs (operator commands).
    let directory: (any TenantDirectory)?

    public init(platform: PlatformDatabase, templates: @escaping @Sendable () -> TemplateLibrary, links: Links,
                webhookCatalog: WebhookCatalog = WebhookCatalog(), webhookPolicy: WebhookPolicy = WebhookPolicy(),
                directory: (any TenantDirectory)? = nil) {
        self.directory = directory
        self.platform = platform
        self.templates = templates
        self.links = links
        self.webhookCatalog = webhookCatalog
        self.webhookPolicy = webhookPolicy
    }

    var db: Database { platform.tenants }

    /// Registers the email subscribers and one webhook subscriber per declared event.
    public func subscribe(into subscriptions: inout EventSubscriptions) {
        let queue = QueueEmailStep(templates: templates)
        AccountEmailSubscriptions(queue: queue, links: links).register(into: &subscriptions)
        BillingEmailSubscriptions(queue: queue, links: links).register(into: &subscriptions)
        OrderEmailSubscriptions(queue: queue, links: links).register(into: &subscriptions)
        if let directory { WebhookEmailSubscriptions(queue: queue, directory: directory).register(into: &subscriptions) }
        let webhooks = WebhookSubscriptions(subscriptions)
        for entry in webhookCatalog.entries { entry.connect?(webhooks) }
        subscriptions = webhooks.subscriptions
    }

    public func mailbox(limit: Int, recipient: String?) async throws -> [MailboxMessage] {
        try await ListMailboxUseCase(platform: platform)(limit: limit, recipient: recipient)
    }

    public func mailboxMessage(_ id: MessageID) async throws -> MailboxMessage? {
        try await GetMailboxMessageUseCase(platform: platform)(id)
    }

    public func deliveries(limit: Int, status: Delivery.Status?, recipient: String?) async throws -> [Delivery] {
        try await ListDeliveriesUseCase(platform: platform)(limit: limit, status: status, recipient: recipient)
    }

    @discardableResult
    public func retry(_ id: MessageID) async throws -> TenantID {
        try await RetryMessageUseCase(platform: platform)(id)
    }

    // MARK: Webhooks

    public func createEndpoint(_ principal: Principal, _ endpoint: NewWebhookEndpoint) async throws -> CreatedWebhookEndpoint {
        try await CreateWebhookEndpointUseCase(db: db, policy: webhookPolicy, catalog: webhookCatalog)(principal, endpoint)
    }

    public func endpoints(_ principal: Principal) async throws -> [WebhookEndpoint] {
        try await ListWebhookEndpointsUseCase(db: db)(principal)
    }

    public func endpoint(_ principal: Principal, id: WebhookEndpointID) async throws -> WebhookEndpoint {
        try await GetWebhookEndpointUseCase(db: db)(principal, id: id)
    }

    public func updateEndpoint(_ principal: Principal, id: WebhookEndpointID, expectedVersion: Int?,
                               _ change: WebhookEndpointChange) async throws -> WebhookEndpoint {
        try await UpdateWebhookEndpointUseCase(db: db, policy: webhookPolicy, catalog: webhookCatalog)(
            principal, id: id, expectedVersion: expectedVersion, change)
    }

    public func deleteEndpoint(_ principal: Principal, id: WebhookEndpointID) async throws {
        try await DeleteWebhookEndpointUseCase(db: db)(principal, id: id)
    }

    public func rotateSecret(_ principal: Principal, id: WebhookEndpointID) async throws -> CreatedWebhookEndpoint {
        try await RotateWebhookSecretUseCase(db: db, policy: webhookPolicy)(principal, id: id)
    }

    public func sendTest(_ principal: Principal, id: WebhookEndpointID) async throws -> WebhookMessage {
        try await SendWebhookTestUseCase(db: db)(principal, id: id)
    }

    public func messages(_ principal: Principal, endpoint: WebhookEndpointID, status: WebhookDeliveryStatus?,
                         page: PageRequest) async throws -> Page<WebhookMessage> {
        try await ListWebhookMessagesUseCase(db: db)(principal, endpoint: endpoint, status: status, page: page)
    }

    public func attempts(_ principal: Principal, message: WebhookMessageID) async throws -> [WebhookAttempt] {
        try await ListWebhookAttemptsUseCase(db: db)(principal, message: message)
    }

    public func replay(_ principal: Principal, message: WebhookMessageID, endpoint: WebhookEndpointID?) async throws -> WebhookMessage {
        try await ReplayWebhookMessageUseCase(db: db)(principal, message: message, endpoint: endpoint)
    }

    public func replayFailed(_ principal: Principal, endpoint: WebhookEndpointID, since: Date) async throws -> Int {
        try await ReplayFailedWebhooksUseCase(db: db)(principal, endpoint: endpoint, since: since)
    }

    // MARK: Webhooks, for staff

    public func endpoints(_ staff: StaffPrincipal, tenantID: TenantID) async throws -> [WebhookEndpoint] {
        try await StaffWebhooksUseCase(db: db).endpoints(staff, tenantID: tenantID)
    }

    public func messages(_ staff: StaffPrincipal, tenantID: TenantID, endpoint: WebhookEndpointID, status: WebhookDeliveryStatus?,
                         page: PageRequest) async throws -> Page<WebhookMessage> {
        try await StaffWebhooksUseCase(db: db).messages(staff, tenantID: tenantID, endpoint: endpoint, status: status, page: page)
    }

    public func message(_ staff: StaffPrincipal, tenantID: TenantID, id: WebhookMessageID) async throws -> (WebhookMessage, [WebhookAttempt]) {
        try await StaffWebhooksUseCase(db: db).message(staff, tenantID: tenantID, id: id)
    }

    public func replay(_ staff: StaffPrincipal, tenantID: TenantID, message: WebhookMessageID, reason: String) async throws -> WebhookMessage {
        try await StaffReplayWebhookUseCase(db: db)(staff, tenantID: tenantID, message: message, reason: reason)
    }

    public func replayFailed(_ staff: StaffPrincipal, tenantID: TenantID, endpoint: WebhookEndpointID, since: Date,
                             reason: String) async throws -> Int {
        try await StaffReplayFailedWebhooksUseCase(db: db)(staff, tenantID: tenantID, endpoint: endpoint, since: since, reason: reason)
    }
}

extension NotificationsModule: MetricsSource {
    public func samples() async throws -> [MetricSample] {
        try await QueueMetricsUseCase(platform: platform)()
    }
}

extension NotificationsModule {
    /// The columns Notifications seals (`keel secrets rotate`): webhook signing secrets and
    /// the single-use tokens of emails not yet sent.
    public static let sealedColumns = [
        SealedColumn("notifications.webhook_endpoints", "secret", row: "endpoint_id::text", purpose: WebhookEndpointRows.secretPurpose),
        SealedColumn("notifications.webhook_endpoints", "previous_secret", row: "endpoint_id::text",
                     purpose: WebhookEndpointRows.secretPurpose),
        SealedColumn("notifications.messages", "secret", row: "message_id::text", purpose: MessageSecret.purpose),
    ]
}
