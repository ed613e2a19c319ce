import Kernel
import OrdersAPI
import Storage

/// Staff take a product off sale: drafts can no longer have it (placing re-prices from the
/// active catalog, so a draft that has it is refused then, by line); orders keep it. Retiring a
/// retired product answers it as it is. Audited.
struct RetireProductUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, code: String) async throws -> Product {
        try principal.require(.billingOperate)
        return try await platform.platform("retire product") { tx in
            guard let product = try await ProductRows.retire(code: code, in: tx) else {
                throw AppError(.productNotFound, "There is no product '\(code)'.")
            }
            try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil, action: OrdersAuditAction.productRetired,
                                          target: "product/\(product.code)", requestID: principal.requestID,
                                          after: ["status": .string("retired")], actorStaffID: principal.staffID, occurredAt: tx.now))
            return product
        }
    }
}
