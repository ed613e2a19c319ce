import AccountsAPI
import Foundation
import Kernel
import Storage

/// Finds tenants and users across tenants by name, slug or address. The one cross-tenant read
/// of people's addresses: it is audited with what was asked and how much it found.
struct FindPeopleUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, query: String) async throws -> FindResults {
        try principal.require(.consoleRead)
        let text = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...254).contains(text.unicodeScalars.count),
              !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AppError.validation([FieldError(field: "q", code: "invalid_query", message: "Search for 2 to 254 characters.")])
        }
        return try await platform.platform("console find") { tx in
            let results = try await TenantSearchRows.find(text, in: tx)
            try await tx.audit(.staffSearched, staff: principal.staffID, target: nil, requestID: principal.requestID,
                               after: ["query": .string(text), "tenants": .int(results.tenants.count),
                                       "users": .int(results.users.count)])
            return results
        }
    }
}
