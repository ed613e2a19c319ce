import BillingAPI
import Foundation
import Kernel
import OpenAPIRuntime

extension APIHandler {
    func listPlans(_ input: Operations.ListPlans.Input) async throws -> Operations.ListPlans.Output {
        _ = try APIRequest.principal()
        return .ok(.init(body: .json(.init(data: try await billing.plans().map(Components.Schemas.Plan.init)))))
    }

    func getSubscription(_ input: Operations.GetSubscription.Input) async throws -> Operations.GetSubscription.Output {
        let subscription = try await billing.subscription(try APIRequest.principal())
        return .ok(.init(headers: .init(eTag: Self.etag(subscription.version)), body: .json(try .init(subscription))))
    }

    func previewPlanChange(_ input: Operations.PreviewPlanChange.Input) async throws -> Operations.PreviewPlanChange.Output {
        let preview = try await billing.previewChange(try APIRequest.principal(), planCode: input.query.plan)
        return .ok(.init(body: .json(try .init(preview))))
    }

    func changePlan(_ input: Operations.ChangePlan.Input) async throws -> Operations.ChangePlan.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let principal = try APIRequest.principal()
        let version = try Self.expectedVersion(input.headers.ifMatch)
        let operation = IdempotentOperation(
            store: idempotency, scope: .principal(principal), key: APIRequest.current.idempotencyKey,
            operationID: Operations.ChangePlan.id, body: body, status: 200,
            response: { (result: PlanChangeResult) in try Components.Schemas.PlanChangeResult(result) })
        switch try await operation.run({ completion in
            try await billing.changePlan(principal, planCode: body.plan, expectedVersion: version, idempotency: completion)
        }) {
        case .fresh(let response):
            return .ok(.init(headers: .init(eTag: Self.etag(response.subscription.version)), body: .json(response)))
        case .replayed(let response):
            return .ok(.init(headers: .init(eTag: Self.etag(response.subscription.version), idempotentReplayed: ._true),
                             body: .json(response)))
        }
    }

    func cancelSubscription(_ input: Operations.CancelSubscription.Input) async throws -> Operations.CancelSubscription.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let subscription = try await billing.cancel(try APIRequest.principal(), atPeriodEnd: body.atPeriodEnd,
                                                    expectedVersion: try Self.expectedVersion(input.headers.ifMatch))
        return .ok(.init(headers: .init(eTag: Self.etag(subscription.version)), body: .json(try .init(subscription))))
    }

    func resumeSubscription(_ input: Operations.ResumeSubscription.Input) async throws -> Operations.ResumeSubscription.Output {
        let subscription = try await billing.resume(try APIRequest.principal(),
                                                    expectedVersion: try Self.expectedVersion(input.headers.ifMatch))
        return .ok(.init(headers: .init(eTag: Self.etag(subscription.version)), body: .json(try .init(subscription))))
    }

    func listInvoices(_ input: Operations.ListInvoices.Input) async throws -> Operations.ListInvoices.Output {
        let page = try PageRequest(limit: input.query.limit, startingAfter: input.query.startingAfter)
        let invoices = try await billing.invoices(try APIRequest.principal(), page: page)
        return .ok(.init(body: .json(.init(data: try invoices.items.map(Components.Schemas.Invoice.init),
                                           hasMore: invoices.hasMore, nextCursor: invoices.nextCursor))))
    }

    func getInvoice(_ input: Operations.GetInvoice.Input) async throws -> Operations.GetInvoice.Output {
        guard let id = InvoiceID(input.path.invoiceId) else { throw AppError(.invoiceNotFound, "There is no such invoice.") }
        return .ok(.init(body: .json(try .init(try await billing.invoice(try APIRequest.principal(), id: id)))))
    }

    func getInvoicePDF(_ input: Operations.GetInvoicePDF.Input) async throws -> Operations.GetInvoicePDF.Output {
        guard let id = InvoiceID(input.path.invoiceId) else { throw AppError(.invoiceNotFound, "There is no such invoice.") }
        let bytes = try await billing.invoicePDF(try APIRequest.principal(), id: id)
        return .ok(.init(body: .pdf(HTTPBody(bytes))))
    }

    func redeemCoupon(_ input: Operations.RedeemCoupon.Input) async throws -> Operations.RedeemCoupon.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let subscription = try await billing.redeemCoupon(try APIRequest.principal(), code: body.code)
        return .ok(.init(headers: .init(eTag: Self.etag(subscription.version)), body: .json(try .init(subscription))))
    }

    func listCreditNotes(_ input: Operations.ListCreditNotes.Input) async throws -> Operations.ListCreditNotes.Output {
        let page = try PageRequest(limit: input.query.limit, startingAfter: input.query.startingAfter)
        let notes = try await billing.creditNotes(try APIRequest.principal(), page: page)
        return .ok(.init(body: .json(.init(data: notes.items.map(Components.Schemas.CreditNote.init),
                                           hasMore: notes.hasMore, nextCursor: notes.nextCursor))))
    }

    func getCreditNote(_ input: Operations.GetCreditNote.Input) async throws -> Operations.GetCreditNote.Output {
        guard let id = CreditNoteID(input.path.creditNoteId) else {
            throw AppError(.creditNoteNotFound, "There is no such credit note.")
        }
        return .ok(.init(body: .json(.init(try await billing.creditNote(try APIRequest.principal(), id: id)))))
    }

    func getBillingProfile(_ input: Operations.GetBillingProfile.Input) async throws -> Operations.GetBillingProfile.Output {
        let profile = try await billing.profile(try APIRequest.principal())
        return .ok(.init(headers: .init(eTag: Self.etag(profile.version)), body: .json(.init(profile))))
    }

    func updateBillingProfile(_ input: Operations.UpdateBillingProfile.Input) async throws -> Operations.UpdateBillingProfile.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let change = BillingProfileChange(email: body.email, legalName: body.legalName, address: body.address, country: body.country,
                                          taxID: body.taxId, currency: body.currency)
        let profile = try await billing.updateProfile(try APIRequest.principal(),
                                                      expectedVersion: try Self.expectedVersion(input.headers.ifMatch),
                                                      change: change)
        return .ok(.init(headers: .init(eTag: Self.etag(profile.version)), body: .json(.init(profile))))
    }

    // MARK: Payments

    func payInvoice(_ input: Operations.PayInvoice.Input) async throws -> Operations.PayInvoice.Output {
        guard let id = InvoiceID(input.path.invoiceId) else { throw AppError(.invoiceNotFound, "There is no such invoice.") }
        let principal = try APIRequest.principal()
        let operation = IdempotentOperation(
            store: idempotency, scope: .principal(principal), key: input.headers.idempotencyKey,
            operationID: Operations.PayInvoice.id, body: ["invoice_id": id.description], status: 200,
            response: { (attempt: PaymentAttempt) in try Components.Schemas.PaymentAttempt(attempt) })
        switch try await operation.run({ completion in
            try await billing.pay(principal, invoiceID: id, idempotency: completion)
        }) {
        case .fresh(let response): return .ok(.init(body: .json(response)))
        case .replayed(let response): return .ok(.init(headers: .init(idempotentReplayed: ._true), body: .json(response)))
        }
    }

    func listPaymentAttempts(_ input: Operations.ListPaymentAttempts.Input) async throws -> Operations.ListPaymentAttempts.Output {
        guard let id = InvoiceID(input.path.invoiceId) else { throw AppError(.invoiceNotFound, "There is no such invoice.") }
        let attempts = try await billing.paymentAttempts(try APIRequest.principal(), invoiceID: id)
        return .ok(.init(body: .json(.init(data: try attempts.map(Components.Schemas.PaymentAttempt.init)))))
    }

    func getPaymentMethod(_ input: Operations.GetPaymentMethod.Input) async throws -> Operations.GetPaymentMethod.Output {
        .ok(.init(body: .json(.init(try await billing.paymentMethod(try APIRequest.principal())))))
    }

    func setPaymentMethod(_ input: Operations.SetPaymentMethod.Input) async throws -> Operations.SetPaymentMethod.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let info = try await billing.setPaymentMethod(try APIRequest.principal(), paymentMethod: body.paymentMethod)
        return .ok(.init(body: .json(.init(info))))
    }
}
