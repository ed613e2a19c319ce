import AccountsAPI
import Kernel
import Storage

/// Creates a machine credential, shown once. A key acts as the person who created it, with at
/// most the permissions chosen at creation (never more than that person has, then or later),
/// and stops working when it is revoked or its creator is deactivated or deleted.
struct CreateAPIKeyUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, name: String, permissions: Set<Permission>) async throws -> NewAPIKey {
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
            try creator.requireVerifiedEmail()
            let (key, hash) = SecretToken.make(.apiKey)
            let prefix = String(key.prefix(SecretToken.Kind.apiKey.rawValue.count + 8))
            let apiKey = try await APIKeyRows.insert(id: .generate(), name: validName, prefix: prefix, hash: hash,
                                                     permissions: permissions.sorted(), createdBy: creator.id, in: tx)
            try await tx.audit(.apiKeyCreated, by: principal, target: "api_key/\(apiKey.id)",
                               after: ["name": .string(validName), "prefix": .string(prefix),
                                       "permissions": .string(permissions.sorted().map(\.rawValue).joined(separator: " "))])
            return NewAPIKey(apiKey: apiKey, key: key)
        }
    }
}
