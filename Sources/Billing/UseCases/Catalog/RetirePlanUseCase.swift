import BillingAPI
import Kernel
import Storage

/// Retires a code: nobody new subscribes to it; existing subscribers keep their version. The
/// default plan is kept (sign-up starts every trial on it): make another the default first.
struct RetirePlanUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal?, code: String) async throws -> Plan {
        try principal?.require(.billingOperate)
        return try await platform.platform("retire plan") { tx in
            guard let current = try await PlanRows.current(code: code.lowercased(), in: tx) else {
                throw AppError(.planNotFound, "There is no active plan '\(code)'.")
            }
            guard !current.isDefault else {
                throw AppError(.conflict, "The \(current.name) plan is the default (every trial starts on it); make another plan the default first.")
            }
            guard let retired = try await PlanRows.retire(code: current.code, in: tx) else {
                throw AppError(.planNotFound, "There is no active plan '\(code)'.")
            }
            try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil, action: BillingAuditAction.planRetired,
                                          target: "plan/\(retired.id)", requestID: principal?.requestID ?? "keel plans retire",
                                          after: ["code": .string(retired.code), "version": .int(retired.version)],
                                          actorStaffID: principal?.staffID, occurredAt: tx.now))
            return retired
        }
    }
}
