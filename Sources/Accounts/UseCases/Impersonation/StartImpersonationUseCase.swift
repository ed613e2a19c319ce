import AccountsAPI
import Foundation
import Kernel
import Storage

/// A staff member starts "view as" a tenant's user: after a fresh TOTP code (a stolen console
/// session alone cannot), with a reason, for 1 to 60 minutes. It is an API session as the user
/// whose token (its own kind, `keelp_`) the staff member is shown once; read-only unless
/// `canWrite`, which is audited on its own. The user must be active, and so must the tenant.
struct StartImpersonationUseCase {
    let db: Database
    let platform: PlatformDatabase

    static let minutes = 1...60

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, reason: String, code: String,
                        minutes: Int, canWrite: Bool) async throws -> StartedImpersonation {
        try principal.require(.usersImpersonate)
        let reason = try StaffReason(reason).value
        guard Self.minutes.contains(minutes) else {
            throw AppError(.invalidInput, "A view lasts 1 to 60 minutes, not \(minutes).")
        }
        let staffName = try await platform.platform("impersonation step-up") { tx in
            guard try await StaffRows.useTOTPCode(principal.staffID, code, in: tx) else {
                throw RegenerateStaffRecoveryCodesUseCase.invalidCode
            }
            return try await StaffRows.find(principal.staffID, in: tx)?.name ?? principal.email
        }
        let (token, hash) = SecretToken.make(.impersonation)
        return try await db.tenant(tenantID) { tx in
            let (user, tenant) = try await SupportLookupStep().userAndTenant(userID, in: tx)
            guard tenant.status == .active, user.status == .active, user.lockedAt == nil else {
                throw AppError(.conflict, "\(user.email) cannot sign in now (locked, deactivated, or their tenant is suspended), so there is nothing to view as them.")
            }
            let sessionID = SessionID.generate()
            let impersonation = Impersonation(staffID: principal.staffID, staffName: staffName, staffEmail: principal.email,
                                              reason: reason, canWrite: canWrite,
                                              endsAt: tx.now.addingTimeInterval(TimeInterval(minutes * 60)))
            try await SessionRows.insert(id: sessionID, userID: userID, tokenHash: hash, expiresAt: impersonation.endsAt,
                                         userAgent: "Keel support: \(staffName)", ipAddress: nil, in: tx)
            try await ImpersonationRows.insert(sessionID, userID: userID, impersonation, in: tx)
            try await tx.audit(.impersonationStarted, by: principal, target: "user/\(userID)", reason: reason,
                               after: ["session": .string(sessionID.description), "minutes": .int(minutes),
                                       "can_change": .bool(canWrite)])
            if canWrite {
                try await tx.audit(.impersonationWriteGranted, by: principal, target: "user/\(userID)", reason: reason,
                                   after: ["session": .string(sessionID.description)])
            }
            return StartedImpersonation(token: token, sessionID: sessionID, endsAt: impersonation.endsAt, canWrite: canWrite)
        }
    }
}
