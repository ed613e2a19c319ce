import Foundation
import Kernel
import NotificationsAPI

/// An endpoint was disabled by the system: sent to each of the tenant's owners, with why and
/// how to turn it back on.
struct WebhookDisabledEmail: EmailModel {
    static let kind = "webhook_disabled"
    let tenantName: String
    let ownerName: String
    let url: String
    let reason: String
    let disabledAt: Date
    let endpointID: String
    let subject: String
    var about: String? { nil }

    init(_ event: WebhookEndpointDisabled, tenantName: String, ownerName: String) {
        self.tenantName = tenantName
        self.ownerName = ownerName
        url = event.url
        reason = event.reason
        disabledAt = event.disabledAt
        endpointID = event.endpointID.description
        subject = "Webhook endpoint disabled: \(event.url)"
    }
}
