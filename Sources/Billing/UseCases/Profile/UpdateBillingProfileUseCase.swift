import BillingAPI
import Foundation
import Kernel
import Storage

/// Changes the profile's name, address, country and tax id (what later invoices show; issued
/// ones keep theirs), and its currency while nothing has been invoiced.
struct UpdateBillingProfileUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, expectedVersion: Int?, change: BillingProfileChange) async throws -> BillingProfile {
        try principal.require(.billingManage)
        guard change.email != nil || change.legalName != nil || change.address != nil || change.country != nil
                || change.taxID != nil || change.currency != nil else {
            throw AppError.validation([FieldError(field: "body", code: "empty_change",
                                                  message: "Send at least one of email, legal_name, address, country, tax_id, currency.")])
        }
        var errors: [FieldError] = []
        func text(_ value: String?, field: String, max: Int) -> String?? {
            guard let value else { return .none }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.unicodeScalars.count > max
                || trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" }) {
                errors.append(FieldError(field: field, code: "invalid_\(field)", message: "Use at most \(max) characters, no control characters."))
            }
            return .some(trimmed.isEmpty ? nil : trimmed)
        }
        let legalName = text(change.legalName, field: "legal_name", max: 200)
        let email = text(change.email, field: "email", max: 254)
        if case .some(.some(let address)) = email, !Self.looksLikeEmail(address) {
            errors.append(FieldError(field: "email", code: "invalid_email", message: "Use an email address, like billing@example.com."))
        }
        let address = text(change.address, field: "address", max: 1000)
        let taxID = text(change.taxID, field: "tax_id", max: 64)
        var country: String?? = .none
        if let raw = change.country {
            let upper = raw.uppercased()
            if upper.isEmpty { country = .some(nil) } else if upper.count == 2, upper.allSatisfy({ ("A"..."Z").contains($0) }) {
                country = .some(upper)
            } else {
                errors.append(FieldError(field: "country", code: "invalid_country", message: "Use a two-letter ISO 3166 code, like DE."))
            }
        }
        var currency: Currency?
        if let raw = change.currency {
            if let parsed = Currency(code: raw) { currency = parsed } else {
                errors.append(FieldError(field: "currency", code: "invalid_currency", message: "Use an ISO 4217 code, like EUR."))
            }
        }
        guard errors.isEmpty else { throw AppError.validation(errors) }
        return try await db.tenant(principal.tenantID) { tx in
            guard let current = try await ProfileRows.find(in: tx, lock: true) else {
                throw AppError(.subscriptionNotFound, "This organisation has no billing profile yet.")
            }
            if let expectedVersion, expectedVersion != current.version { throw AppError.versionMismatch(current: current.version) }
            if let currency, currency != current.currency {
                // The subscription first (the scheduler issues invoices under its lock), then the check.
                let live = try await SubscriptionRows.live(in: tx, lock: true)
                if try await InvoiceRows.any(in: tx) {
                    throw AppError(.subscriptionConflict, "The currency is fixed once an invoice has been issued.")
                }
                if let record = live {
                    guard let plan = try await PlanRows.find(record.planID, in: tx), plan.price(in: currency) != nil else {
                        throw AppError(.currencyNotOffered, "The current plan is not sold in \(currency.code).")
                    }
                    var moved = record
                    moved.currency = currency
                    _ = try await SubscriptionRows.saveCurrency(moved, in: tx)
                }
            }
            let updated = BillingProfile(currency: currency ?? current.currency, email: email ?? current.email,
                                         legalName: legalName ?? current.legalName,
                                         address: address ?? current.address, country: country ?? current.country,
                                         taxID: taxID ?? current.taxID, taxRateBasisPoints: current.taxRateBasisPoints,
                                         hasPaymentMethod: current.hasPaymentMethod, balance: current.balance,
                                         version: current.version)
            if updated == current { return current }
            let saved = try await ProfileRows.update(updated, in: tx)
            try await tx.audit(.profileUpdated, actor: principal.userID, target: "billing_profile/\(tx.tenantID)",
                               requestID: principal.requestID, before: current.auditSnapshot, after: saved.auditSnapshot)
            return saved
        }
    }
}

extension UpdateBillingProfileUseCase {
    /// One `@`, something before it, a dot inside the domain (not its first or last
    /// character), no spaces: a typo check, not RFC 5322, and exactly the spec's pattern.
    static func looksLikeEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].dropFirst().dropLast().contains(".")
            && !text.contains(where: \.isWhitespace)
    }
}

extension BillingProfile {
    var auditSnapshot: AuditSnapshot {
        ["currency": .string(currency.code), "email": .optional(email), "legal_name": .optional(legalName), "address": .optional(address),
         "country": .optional(country), "tax_id": .optional(taxID), "tax_rate_bp": .int(taxRateBasisPoints), "version": .int(version)]
    }
}
