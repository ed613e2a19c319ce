import AccountsAPI
import Kernel
import Storage

/// "Forgot password": emails a single-use token to an existing, active account.
///
/// The request answers the same whether or not the account exists, and does no expensive work
/// either way (no hashing), so neither answer nor timing says much; it is rate-limited per
/// address at the edge.
struct RequestPasswordResetUseCase {
    let db: Database
    let platform: PlatformDatabase

    func callAsFunction(tenantSlug: String, email: String, source: String, requestID: String) async throws {
        // A malformed address or slug is refused as such: its shape says nothing about accounts.
        _ = try UserFields.valid(UserFields.email(email, field: "email"))
        do { _ = try TenantSlug(tenantSlug) } catch let error as AppError {
            throw AppError.validation([FieldError(field: "tenant_slug", code: "invalid_slug", message: error.detail)])
        }
        guard let tenant = try await platform.platform("resolve tenant for password reset", { tx in
                  try await TenantRows.find(slug: tenantSlug, in: tx)
              }), tenant.status == .active else { return }
        try await db.tenant(tenant.id) { tx in
            guard let (user, _) = try await UserRows.credentials(email: email, in: tx), user.status == .active else { return }
            try await IssuePasswordResetStep()(to: user, of: tenant, source: source, in: tx)
            try await tx.audit(.userPasswordResetRequested, actor: nil, target: "user/\(user.id)",
                               requestID: requestID, after: ["source": .string(source)])
        }
    }
}
