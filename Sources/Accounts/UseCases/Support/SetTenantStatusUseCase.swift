import AccountsAPI
import Kernel
import Storage

/// Suspends or reactivates a tenant, with a reason. Suspension takes effect at once: every
/// session of the tenant ends (API keys stop at their next lookup), and the owners are told
/// (`TenantSuspendedByStaff`), with the reason if the staff member shares it.
struct SetTenantStatusUseCase {
    let db: Database

    /// - Parameter expectedVersion: the version the staff member saw; `nil` for a bulk job's row,
    ///   which acts on the tenant as it is when its turn comes.
    func callAsFunction(_ principal: StaffPrincipal, id: TenantID, status: Tenant.Status, reason: String, shareReason: Bool,
                        expectedVersion: Int?) async throws -> Tenant {
        try principal.require(.tenantsSuspend)
        let reason = try StaffReason(reason).value
        return try await db.tenant(id) { tx in
            guard let current = try await TenantRows.find(id, in: tx, lock: true) else { throw TenantDetailUseCase.tenantNotFound }
            guard current.version == expectedVersion ?? current.version else { throw AppError.versionMismatch(current: current.version) }
            guard current.status != status else { return current }
            let updated = try await TenantRows.setStatus(id, status, reason: reason, in: tx)
            if status == .suspended {
                try await SessionRows.deleteAllOfTenant(in: tx)
                let owners = try await UserRows.activeOwners(in: tx).map { NoticeRecipient(name: $0.name, email: $0.email) }
                try await tx.publish(TenantSuspendedByStaff(tenantID: id, tenantName: updated.name, owners: owners,
                                                            sharedReason: shareReason ? reason : nil, suspendedAt: tx.now))
            }
            try await tx.audit(status == .suspended ? .tenantSuspended : .tenantReactivated, by: principal,
                               target: "tenant/\(id)", reason: reason,
                               before: current.auditSnapshot, after: updated.auditSnapshot)
            return updated
        }
    }
}
