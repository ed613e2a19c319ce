import Foundation
import Kernel
import NotificationsAPI
import Storage

/// Makes one message of `type` for the tenant's endpoints that want it (or the one given),
/// with a pending delivery to each, in the caller's transaction. Nothing when no endpoint
/// wants it. The body is the Standard Webhooks envelope, written once and signed as it is.
struct QueueWebhookStep {
    static let apiVersion = "v1"

    @discardableResult
    func callAsFunction(type: String, data: Data, about: String? = nil, to only: WebhookEndpointID? = nil,
                        in tx: TenantTransaction) async throws -> WebhookMessageID? {
        let endpoints: [WebhookEndpointID]
        if let only { endpoints = [only] } else { endpoints = try await WebhookEndpointRows.subscribed(to: type, in: tx) }
        guard !endpoints.isEmpty else { return nil }
        let id = WebhookMessageID.generate()
        try await WebhookMessageRows.insert(id, type: type, body: Self.body(id: id, type: type, createdAt: tx.now, data: data),
                                            about: about, endpoints: endpoints, in: tx)
        return id
    }

    /// `{"id", "type", "created_at", "api_version", "data"}`, `data` as given.
    static func body(id: WebhookMessageID, type: String, createdAt: Date, data: Data) -> String {
        return #"{"id":"\#(id.wire)","type":"\#(type)","created_at":"\#(createdAt.formatted(.iso8601))","api_version":"\#(apiVersion)","data":"#
            + String(decoding: data, as: UTF8.self) + "}"
    }
}
