import Foundation
import Kernel
import OrdersAPI
import Storage

/// Staff add a product to the catalog: a new code (codes are retired, never reused, so an old
/// order's line always means one thing), a name, how it is delivered, one price per currency,
/// and the seats a piece grants when it is an add-on of seats. Audited.
struct CreateProductUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, _ request: NewProduct) async throws -> Product {
        try principal.require(.billingOperate)
        var product = request
        product.code = request.code.trimmingCharacters(in: .whitespaces).lowercased()
        product.name = request.name.trimmingCharacters(in: .whitespacesAndNewlines)
        product.description = request.description.trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [FieldError] = []
        let codeScalars = product.code.unicodeScalars
        if !(2...40).contains(codeScalars.count) || !(codeScalars.first.map { ("a"..."z").contains($0) } ?? false)
            || !codeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) {
            errors.append(FieldError(field: "code", code: "invalid_code", message: "Use 2 to 40 of a-z, 0-9 and '-', starting with a letter."))
        }
        if !(1...100).contains(product.name.unicodeScalars.count) {
            errors.append(FieldError(field: "name", code: "invalid_name", message: "Give a name of 1 to 100 characters."))
        }
        if product.description.unicodeScalars.count > 500 {
            errors.append(FieldError(field: "description", code: "invalid_description", message: "Keep the description under 500 characters."))
        }
        if product.prices.isEmpty || product.prices.contains(where: { !$0.isPositive || $0.minorUnits > 1_000_000_000_000 })
            || Set(product.prices.map(\.currency)).count != product.prices.count {
            errors.append(FieldError(field: "prices", code: "invalid_prices", message: "Give at least one price, one per currency, each above zero."))
        }
        if let seats = product.seats, !(1...10_000).contains(seats) {
            errors.append(FieldError(field: "seats", code: "invalid_seats", message: "A piece grants 1 to 10,000 seats, or none."))
        }
        guard errors.isEmpty else { throw AppError.validation(errors) }
        return try await platform.platform("create product") { tx in
            guard let saved = try await ProductRows.insert(product, id: .generate(), in: tx) else {
                throw AppError(.productExists, "There is a product '\(product.code)' already; products are retired, never reused.")
            }
            try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil, action: OrdersAuditAction.productCreated,
                                          target: "product/\(saved.code)", requestID: principal.requestID,
                                          after: ["code": .string(saved.code), "fulfilment": .string(saved.fulfilment.rawValue),
                                                  "prices": .string(saved.prices.map(\.description).joined(separator: ", "))],
                                          actorStaffID: principal.staffID, occurredAt: tx.now))
            return saved
        }
    }
}
