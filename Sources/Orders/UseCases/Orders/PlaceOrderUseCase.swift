import BillingAPI
import Foundation
import Kernel
import OrdersAPI
import Storage

/// Places a draft: its lines re-priced from the catalog and frozen, then Billing asked for a
/// one-off invoice (`order/<id>`: once per order, so a retried place finds the same invoice;
/// with the draft's coupon, which Billing redeems for the order — a refusal is 422 on `coupon`),
/// then the order marked placed with that invoice. Three transactions in two modules; each is
/// safe to repeat, so a crash between them is mended by placing again.
struct PlaceOrderUseCase {
    let db: Database
    let billing: any BillingService

    func callAsFunction(_ principal: Principal, id: OrderID, expectedVersion: Int?) async throws -> Order {
        try principal.require(.ordersManage)
        let draft = try await db.tenant(principal.tenantID) { tx -> Order in
            let order = try await OrderRows.require(id, in: tx, lock: true)
            if order.status == .placed, order.invoiceID != nil { return order }
            if let expectedVersion, expectedVersion != order.version { throw AppError.versionMismatch(current: order.version) }
            guard order.status == .draft else {
                throw AppError(.orderConflict, "Only a draft can be placed; this order is \(order.status.phrase).")
            }
            // The prices the buyer saw are the catalog's now: frozen from here on.
            let priced = try await DraftLinesStep()(currency: order.currency.code,
                                                    lines: order.lines.map { NewOrderLine(productCode: $0.productCode, quantity: $0.quantity) },
                                                    in: tx)
            try await OrderRows.replaceLines(id, draft: priced, bumpVersion: false, in: tx)
            let frozen = try await OrderRows.require(id, in: tx)
            return frozen
        }
        if draft.status == .placed { return draft }
        let invoice: Invoice
        do {
            invoice = try await billing.invoiceOneOff(
                principal, source: id.source, currency: draft.currency,
                items: draft.lines.map { OneOffItem(description: "\($0.productName) (order \(id.reference))",
                                                    quantity: $0.quantity, unitAmount: $0.unitAmount) },
                coupon: draft.coupon)
        } catch let error as AppError where error.code == .couponNotFound || error.code == .couponNotRedeemable {
            // The order is fine; its coupon is not: say so by field, and let the buyer change it.
            throw AppError.validation([FieldError(field: "coupon", code: error.code.rawValue, message: error.detail)])
        }
        // What the coupon took off: the invoice's discount lines.
        let discount = try invoice.lines.filter { $0.kind == .discount }
            .reduce(Money.zero(invoice.currency)) { try $0.subtracting($1.amount) }
        return try await db.tenant(principal.tenantID) { tx in
            let current = try await OrderRows.require(id, in: tx, lock: true)
            guard current.status == .draft else { return current }  // a concurrent place got here first
            try await OrderRows.place(id, invoice: invoice.id.rawValue, discount: discount, customerName: invoice.customer.name,
                                      email: invoice.customer.email, in: tx)
            try await OrderEventRows.append(id, kind: "placed", actor: .tenant, actorID: principal.userID.rawValue,
                                            detail: ["total": draft.total.description, "invoice": invoice.number ?? invoice.id.description,
                                                     "invoice_total": invoice.total.description], in: tx)
            let placed = try await OrderRows.require(id, in: tx)
            try await tx.publish(OrderPlaced(
                tenantID: tx.tenantID, order: try await OrderRows.snapshot(placed, in: tx),
                items: placed.lines.map { OrderItem(productCode: $0.productCode, productName: $0.productName, quantity: $0.quantity) },
                invoiceNumber: invoice.number, placedAt: tx.now))
            if invoice.status == .paid { try await RecordPaymentStep()(placed, .paid(invoice.amountPaid), in: tx) }  // nothing was due
            return try await OrderRows.find(id, in: tx) ?? placed
        }
    }
}
