import AccountsAPI
import Kernel
import PasswordHashing
import Storage

/// Creates the tenant and its owner in one transaction, publishes `TenantSignedUp`, writes the
/// audit entry and (with an Idempotency-Key) the stored response — all or nothing.
struct SignUpUseCase {
    let db: Database
    let hasher: PasswordHasher
    let policy: PasswordPolicy

    func callAsFunction(_ request: SignUp, idempotency: IdempotentCompletion<SignUpResult>?) async throws -> SignUpResult {
        var errors: [FieldError] = []
        var slug: TenantSlug?
        var tenantName: TenantName?
        do { slug = try TenantSlug(request.tenantSlug) } catch let error as AppError {
            errors.append(FieldError(field: "tenant.slug", code: "invalid_slug", message: error.detail))
        }
        do { tenantName = try TenantName(request.tenantName) } catch let error as AppError {
            errors.append(FieldError(field: "tenant.name", code: "invalid_name", message: error.detail))
        }
        let email = UserFields.email(request.ownerEmail, field: "owner.email")
        let name = UserFields.name(request.ownerName, field: "owner.name")
        for case .failure(let error) in [email, name] { errors.append(error) }
        if let error = policy.check(request.ownerPassword, field: "owner.password") { errors.append(error) }
        guard errors.isEmpty, let slug, let tenantName, case .success(let email) = email, case .success(let name) = name else {
            throw AppError.validation(errors)
        }

        // Hashing is the slow part: done before the transaction, off the cooperative pool.
        let passwordHash = try await hasher.hash(request.ownerPassword)
        let tenantID = TenantID.generate()
        let ownerID = UserID.generate()
        do {
            return try await db.tenant(tenantID) { tx in
                let tenant = try await TenantRows.insert(id: tenantID, slug: slug, name: tenantName, in: tx)
                let owner = try await UserRows.insert(id: ownerID, email: email, name: name, role: .owner,
                                                      passwordHash: passwordHash, in: tx)
                _ = try await IssueEmailVerificationStep()(to: owner, email: email, tenant: tenant, reason: .signUp, in: tx)
                try await tx.publish(TenantSignedUp(tenantID: tenantID, slug: slug.value, name: tenantName.value,
                                                    ownerUserID: ownerID, ownerEmail: email, ownerName: name))
                try await tx.audit(.tenantSignedUp, actor: ownerID, target: "tenant/\(tenantID)", requestID: request.requestID,
                                   after: owner.auditSnapshot)
                let result = SignUpResult(tenant: tenant, owner: owner)
                if let idempotency { try await tx.complete(idempotency, with: result) }
                return result
            }
        } catch let error as AppError where error.code == .conflict {
            // A brand-new tenant has no users yet, so the only key it can collide on is its slug.
            throw AppError(.slugTaken, "The slug '\(slug.value)' is already taken.", diagnostics: error.diagnostics)
        }
    }
}
