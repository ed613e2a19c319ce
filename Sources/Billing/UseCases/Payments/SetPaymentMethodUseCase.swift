import BillingAPI
import Foundation
import Kernel
import Logging
import Storage

/// The tenant hands Keel a payment method it made with the provider (card data never touches
/// Keel). Keel makes the tenant's provider customer the first time (with the tenant's own
/// idempotency key, so two calls at once make one at Stripe), attaches the method to it, keeps how the provider describes
/// it, and charges every open invoice at once (a new card restarts dunning).
struct SetPaymentMethodUseCase {
    let db: Database
    let gateway: (any PaymentGateway)?
    let collect: CollectInvoiceStep?
    let logger: Logger

    func callAsFunction(_ principal: Principal, paymentMethod: String) async throws -> PaymentMethodInfo {
        try principal.require(.billingManage)
        guard let gateway, let collect else { throw PaymentRefusal.notConfigured }
        guard paymentMethod.wholeMatch(of: /(pm|card|src)_[A-Za-z0-9_]{1,200}/) != nil else {
            throw AppError.validation([FieldError(field: "payment_method", code: "invalid_format",
                                                  message: "Give the id of a payment method made with the provider (pm_…).")])
        }
        let tenantID = principal.tenantID
        // The customer is made outside any transaction (no row lock held across a provider
        // call); its key is the tenant's, so two calls at once get the same customer from
        // Stripe, and the first id saved wins.
        var customer = try await db.tenant(tenantID) { tx in try await CollectionRows.payer(in: tx).customer }
        if customer == nil {
            let contact = try await db.tenant(tenantID) { tx in try await ProfileRows.contact(in: tx) }
            let made = try await provider {
                try await gateway.createCustomer(tenantID: tenantID, name: contact.name, email: contact.email,
                                                 idempotencyKey: PaymentKeys.customer(tenantID))
            }
            customer = try await db.tenant(tenantID) { tx in
                try await CollectionRows.setCustomer(made, in: tx)
                return try await CollectionRows.payer(in: tx).customer
            }
        }
        guard let customer else { throw AppError(.internalError, "The provider customer could not be saved.") }
        let card = try await provider {
            try await gateway.attach(paymentMethod: paymentMethod, customer: customer,
                                     idempotencyKey: PaymentKeys.attach(tenantID, paymentMethod: paymentMethod))
        }
        let open = try await db.tenant(tenantID) { tx in
            // Invoices before the profile: the order credit notes and voids lock them in.
            let open = try await CollectionRows.collectOpenNow(in: tx)
            try await CollectionRows.setCard(card, in: tx)
            try await tx.audit(.paymentMethodSet, actor: principal.userID, target: "billing_profile", requestID: principal.requestID,
                               after: ["brand": .string(card.brand), "last4": .string(card.last4)])
            return open
        }
        for invoiceID in open {
            do {
                _ = try await collect(tenantID: tenantID, invoiceID: invoiceID, trigger: .paymentMethod)
            } catch {
                // Recorded on the invoice (a decline) or left for the collector (anything else).
                logger.info("charging an open invoice on a new card did not succeed", metadata: [
                    "tenant_id": "\(tenantID)", "invoice_id": "\(invoiceID)", "error": "\(error)"])
            }
        }
        return PaymentMethodInfo(collectionEnabled: true, card: card)
    }

    /// A provider call, its refusals in the caller's terms.
    private func provider<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch PaymentGatewayError.declined(let failure) {
            throw AppError(.paymentMethodRejected, "The provider refused this card: \(failure.message)")
        } catch PaymentGatewayError.rejected(_, _, let message) {
            throw AppError(.paymentMethodRejected, "The provider refused this payment method: \(message)")
        } catch let error as PaymentGatewayError {
            throw AppError(.paymentProviderUnavailable, "The payment provider did not answer; try again shortly.", diagnostics: "\(error)")
        }
    }
}
