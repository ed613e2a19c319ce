import BillingAPI
import Kernel
import Storage

/// Staff set the exclusive tax rate of a tenant's later invoices (there is no tax engine).
struct SetTaxRateUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, basisPoints: Int, reason: String) async throws -> BillingProfile {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        guard (0...10_000).contains(basisPoints) else {
            throw AppError.validation([FieldError(field: "tax_rate", code: "invalid_tax_rate",
                                                  message: "A tax rate is 0 to 100 %, in basis points (2000 is 20 %).")])
        }
        return try await db.tenant(tenantID) { tx in
            guard let current = try await ProfileRows.find(in: tx, lock: true) else {
                throw AppError(.subscriptionNotFound, "This tenant has no billing profile yet.")
            }
            let changed = BillingProfile(currency: current.currency, email: current.email, legalName: current.legalName, address: current.address,
                                         country: current.country, taxID: current.taxID, taxRateBasisPoints: basisPoints,
                                         hasPaymentMethod: current.hasPaymentMethod, version: current.version)
            let saved = try await ProfileRows.update(changed, in: tx)
            try await tx.audit(.taxRateSet, by: principal, target: "billing_profile/\(tenantID)", reason: reason,
                               before: current.auditSnapshot, after: saved.auditSnapshot)
            return saved
        }
    }
}
