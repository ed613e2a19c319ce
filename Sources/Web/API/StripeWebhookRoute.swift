import BillingAPI
import Foundation
import HTTPTypes
import Hummingbird
import Kernel
import NIOCore

/// `POST /v1/billing/webhooks/stripe`: the payment provider's webhooks. Not part of the
/// tenants' API (no session: the `Stripe-Signature` is the credential), so it is a plain route
/// outside the OpenAPI spec: the signature covers the exact bytes sent, which must reach
/// Billing unparsed. A verified event is stored once and answered 200 at once (a duplicate
/// too); a bad signature is a 422 problem, and the provider retries.
struct StripeWebhookRoute {
    let billing: any BillingService
    static let maxBodyBytes = 256 * 1024

    func register(on router: Router<KeelRequestContext>) {
        router.post("/v1/billing/webhooks/stripe") { request, _ in
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.maxBodyBytes)
            } catch {
                throw AppError(.payloadTooLarge, "A webhook body is at most \(Self.maxBodyBytes / 1024) KiB.")
            }
            try await billing.receiveProviderEvent(payload: Array(body.readableBytesView),
                                                   signature: request.headers[HTTPField.Name("Stripe-Signature")!])
            return HealthRoutes.json(.ok, ["received": "true"])
        }
    }
}
