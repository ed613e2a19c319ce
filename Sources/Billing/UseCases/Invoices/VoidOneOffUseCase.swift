import BillingAPI
import Kernel
import Storage

/// Voids the open invoice issued for `source` when the module that owns the source withdraws it
/// (an order canceled before it was paid). Safe to repeat: a void invoice is answered as it is,
/// so a cancel retried after a crash finds the same state. A paid invoice, or one whose charge is
/// with the provider, is a conflict: the money question comes first.
struct VoidOneOffUseCase {
    let db: Database

    func callAsFunction(tenantID: TenantID, source: String, by requester: OneOffRequester) async throws -> Invoice? {
        let reason: String?
        switch requester {
        case .tenant(let principal):
            guard principal.tenantID == tenantID else { throw AppError(.invoiceNotFound, "There is no such invoice.") }
            reason = nil
        case .staff(let staff, let why):
            try staff.require(.billingOperate)
            reason = try StaffReason(why).value
        }
        return try await db.tenant(tenantID) { tx -> Invoice? in
            guard let id = try await CollectionRows.invoice(source: source, in: tx),
                  let current = try await InvoiceRows.find(id, in: tx, lock: true) else { return nil }
            if current.status == .void { return current }
            let (invoice, number) = try await LockOpenInvoiceStep()(id, doing: "voided", in: tx)
            let voided = try await VoidInvoiceStep()(invoice, number: number, in: tx)
            switch requester {
            case .tenant(let principal):
                try await tx.audit(.invoiceVoided, actor: principal.userID, target: "invoice/\(id)", requestID: principal.requestID,
                                   before: invoice.voidAuditSnapshot, after: voided.voidAuditSnapshot)
            case .staff(let staff, _):
                try await tx.audit(.invoiceVoided, by: staff, target: "invoice/\(id)", reason: reason ?? "",
                                   before: invoice.voidAuditSnapshot, after: voided.voidAuditSnapshot)
            }
            return voided
        }
    }
}
