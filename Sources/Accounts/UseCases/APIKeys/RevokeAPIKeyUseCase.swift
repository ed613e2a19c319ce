import AccountsAPI
import Foundation
import Kernel
import Storage

/// Revokes a key: it stops working at its next request. Revoking again is fine.
struct RevokeAPIKeyUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: APIKeyID) async throws {
        try principal.require(.apiKeysManage)
        try await db.tenant(principal.tenantID) { tx in
            guard let (before, after) = try await APIKeyRows.revoke(id, in: tx) else {
                throw AppError(.apiKeyNotFound, "There is no such API key.")
            }
            if before.revokedAt == nil {
                try await tx.audit(.apiKeyRevoked, by: principal, target: "api_key/\(id)",
                                   before: ["name": .string(before.name), "prefix": .string(before.prefix)],
                                   after: ["revoked_at": .optional(after.revokedAt?.ISO8601Format())])
            }
        }
    }
}
