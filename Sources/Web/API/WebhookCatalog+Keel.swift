public import NotificationsAPI
import Foundation
import Kernel
import OrdersAPI
import AccountsAPI

/// Keel's webhook event types. Declared here, beside the `/v1` representation, so each
/// message's `data` is the resource exactly as the API returns it (the same generated schema
/// and encoder). A module's events join by one `declare` each; docs/webhooks.md lists them.
public func webhookCatalog() -> WebhookCatalog {
    var catalog = WebhookCatalog()
    @Sendable func order(_ snapshot: OrderSnapshot, tenant: TenantID) throws -> WebhookData {
        guard let state = snapshot.state else {
            throw AppError(.internalError, "An order event carries no order.", diagnostics: "order \(snapshot.orderID) event without state")
        }
        return WebhookData(tenantID: tenant, json: try APIHandler.encoder.encode(try Components.Schemas.Order(state)),
                           about: snapshot.orderID.source)
    }
    @Sendable func user(_ user: User, tenant: TenantID) throws -> WebhookData {
        WebhookData(tenantID: tenant, json: try APIHandler.encoder.encode(try Components.Schemas.User(user)))
    }
    catalog.declare(InvitationCreated.self, as: "user.invited", summary: "Someone was invited to join the tenant.") { event in
        guard let invitation = event.invitation else {
            throw AppError(.internalError, "An invitation event carries no invitation.", diagnostics: "invitation \(event.invitationID)")
        }
        return WebhookData(tenantID: event.tenantID, json: try APIHandler.encoder.encode(try Components.Schemas.Invitation(invitation)))
    }
    catalog.declare(UserJoined.self, as: "user.joined", summary: "An invitation was accepted: a new member.") {
        try user($0.user, tenant: $0.tenantID)
    }
    catalog.declare(UserRemoved.self, as: "user.removed", summary: "A member was removed (the user as they were).") {
        try user($0.user, tenant: $0.tenantID)
    }
    catalog.declare(UserRoleChanged.self, as: "user.role_changed", summary: "A member's role changed.") {
        try user($0.user, tenant: $0.tenantID)
    }
    catalog.declare(OrderPlaced.self, as: "order.placed", summary: "An order was placed and invoiced.") {
        try order($0.order, tenant: $0.tenantID)
    }
    catalog.declare(OrderPaid.self, as: "order.paid", summary: "An order's invoice was paid.") {
        try order($0.order, tenant: $0.tenantID)
    }
    catalog.declare(OrderFulfilled.self, as: "order.fulfilled", summary: "Some or all of an order was delivered.") {
        try order($0.order, tenant: $0.tenantID)
    }
    catalog.declare(OrderCanceled.self, as: "order.canceled", summary: "An order was canceled.") {
        try order($0.order, tenant: $0.tenantID)
    }
    catalog.declare(OrderRefunded.self, as: "order.refunded", summary: "Money was given back for an order.") {
        try order($0.order, tenant: $0.tenantID)
    }
    return catalog
}
