import AccountsAPI
import Kernel
import Storage

/// Audits a staff action taken in another module or at the edge (retrying an email, exporting
/// the tenants list): the action is that module's declared `AuditAction`.
struct RecordStaffActionUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID?, action: some AuditAction, target: String,
                        reason: String?) async throws {
        try await platform.platform("audit staff action") { tx in
            try await tx.audit(AuditEvent(tenantID: tenantID, actorUserID: nil, action: action, target: target,
                                          requestID: principal.requestID, actorStaffID: principal.staffID, reason: reason,
                                          occurredAt: tx.now))
        }
    }
}
