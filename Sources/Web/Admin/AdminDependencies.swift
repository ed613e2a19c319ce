public import AccountsAPI
public import BillingAPI
public import Kernel
public import NotificationsAPI
public import OrdersAPI

/// What the staff console needs from the rest of Keel, as interfaces only.
public struct AdminDependencies: Sendable {
    public var staff: any StaffService
    public var support: any SupportService
    public var notifications: any NotificationsService
    public var billing: any BillingSupportService
    public var orders: any OrdersSupportService
    public var webhooks: any WebhooksSupportService
    public var outbox: any OutboxProbe
    /// A tenant's every row, for the export download.
    public var exporter: any TenantExporter
    /// Where `/assets` files are read from (the stylesheet).
    public var publicDirectory: String
    /// The injected clock (dates in file names).
    public var clock: any WallClock

    public init(staff: any StaffService, support: any SupportService, notifications: any NotificationsService,
                billing: any BillingSupportService, orders: any OrdersSupportService, webhooks: any WebhooksSupportService,
                outbox: any OutboxProbe, exporter: any TenantExporter, publicDirectory: String, clock: any WallClock) {
        self.exporter = exporter
        self.billing = billing
        self.webhooks = webhooks
        self.orders = orders
        self.clock = clock
        self.staff = staff
        self.support = support
        self.notifications = notifications
        self.outbox = outbox
        self.publicDirectory = publicDirectory
    }
}

/// The event outbox, for the dashboard and the dead-letters page.
public protocol OutboxProbe: Sendable {
    func health() async throws -> OutboxHealth
    /// Events given up on, newest first.
    func deadLetters(limit: Int) async throws -> [OutboxDeadLetter]
    /// Queues a dead-lettered event again with a fresh attempt budget (subscribers that handled
    /// it already skip it); returns its tenant. Throws `notFound` for an unknown event and
    /// `conflict` for one that is not dead-lettered.
    func retry(_ id: EventID) async throws -> TenantID
}
