import AccountsAPI
import Foundation
import Kernel
import Storage

/// Machine credentials. A key acts as the person who created it, with at most the permissions
/// chosen at creation (never more than that person has, then or later), and stops working when
/// it is revoked or its creator is deactivated or deleted.
struct APIKeysUseCase {
    let db: Database

    func create(_ principal: Principal, name: String, permissions: Set<Permission>) async throws -> NewAPIKey {
        try principal.require(.apiKeysManage)
        // A key cannot mint keys: the chain of credentials always starts at a person.
        try principal.requireSession()
        var errors: [FieldError] = []
        let name = UserFields.name(name, field: "name")
        if case .failure(let error) = name { errors.append(error) }
        if permissions.isEmpty {
            errors.append(FieldError(field: "permissions", code: "empty", message: "Give the key at least one permission."))
        }
        let excess = permissions.subtracting(principal.permissions)
        if !excess.isEmpty {
            errors.append(FieldError(field: "permissions", code: "not_allowed",
                                     message: "You cannot give a key permissions you do not have: \(excess.sorted().map(\.rawValue).joined(separator: ", ")).")) 
        }
        guard errors.isEmpty, case .success(let validName) = name else { throw AppError.validation(errors) }
        return try await db.tenant(principal.tenantID) { tx in
            guard let creator = try await UserRows.find(principal.userID, in: tx) else { throw AccountErrors.gone }
            try InvitationsUseCase.requireVerified(creator)
            let (key, hash) = SecretToken.make(.apiKey)
            let prefix = String(key.prefix(SecretToken.Kind.apiKey.rawValue.count + 8))
            let apiKey = try await APIKeyRows.insert(id: .generate(), name: validName, prefix: prefix, hash: hash,
                                                     permissions: permissions.sorted(), createdBy: creator.id, in: tx)
            try await tx.audit("api_key.created", by: principal, target: "api_key/\(apiKey.id)",
                               after: AuditJSON.encode(["name": validName, "prefix": prefix,
                                                        "permissions": permissions.sorted().map(\.rawValue).joined(separator: " ")]))
            return NewAPIKey(apiKey: apiKey, key: key)
        }
    }

    func list(_ principal: Principal, page: PageRequest) async throws -> Page<APIKey> {
        try principal.require(.apiKeysManage)
        return try await db.tenant(principal.tenantID) { tx in try await APIKeyRows.page(page, in: tx) }
    }

    func revoke(_ principal: Principal, id: APIKeyID) async throws {
        try principal.require(.apiKeysManage)
        try await db.tenant(principal.tenantID) { tx in
            guard let (before, after) = try await APIKeyRows.revoke(id, in: tx) else {
                throw AppError(.apiKeyNotFound, "There is no such API key.")
            }
            if before.revokedAt == nil {
                try await tx.audit("api_key.revoked", by: principal, target: "api_key/\(id)",
                                   before: AuditJSON.encode(["name": before.name, "prefix": before.prefix]),
                                   after: AuditJSON.encode(["revoked_at": "\(after.revokedAt ?? Date())"]))
            }
        }
    }
}
