import BillingAPI
import Foundation
import Kernel
import Storage

/// Staff (or an operator, `actor` nil) add a plan or a new version of one: a price change never
/// touches existing subscribers, who keep the version they signed up for.
struct CreatePlanVersionUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal?, _ request: NewPlanVersion) async throws -> Plan {
        try principal?.require(.billingOperate)
        var plan = request
        plan.code = request.code.trimmingCharacters(in: .whitespaces).lowercased()
        plan.name = request.name.trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [FieldError] = []
        if !PlanCode.isValid(plan.code) { errors.append(FieldError(field: "code", code: "invalid_code", message: "Use 2 to 40 of a-z, 0-9 and '-', starting with a letter.")) }
        if !(1...100).contains(plan.name.unicodeScalars.count) { errors.append(FieldError(field: "name", code: "invalid_name", message: "Give a name of 1 to 100 characters.")) }
        if !(0...365).contains(plan.trialDays) { errors.append(FieldError(field: "trial_days", code: "invalid_trial", message: "A trial is 0 to 365 days.")) }
        if let seats = plan.seats, !(1...1_000_000).contains(seats) { errors.append(FieldError(field: "seats", code: "invalid_seats", message: "Allow 1 to 1,000,000 seats, or leave it unlimited.")) }
        // At most 10^12 minor units a period: a year of renewals and prorations stays far from Int64's end.
        if plan.prices.isEmpty || plan.prices.contains(where: { $0.isNegative || $0.minorUnits > 1_000_000_000_000 })
            || Set(plan.prices.map(\.currency)).count != plan.prices.count {
            errors.append(FieldError(field: "prices", code: "invalid_prices", message: "Give at least one price, one per currency, none negative."))
        }
        // Sign-up starts every trial on the default plan, in USD (the profile's first currency).
        if plan.makeDefault && !plan.prices.contains(where: { $0.currency == .usd }) {
            errors.append(FieldError(field: "prices", code: "default_needs_usd", message: "The default plan needs a USD price: every trial starts in USD."))
        }
        guard errors.isEmpty else { throw AppError.validation(errors) }
        return try await platform.platform("create plan version") { tx in
            let saved = try await PlanRows.insertVersion(plan, id: .generate(), in: tx)
            try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil, action: BillingAuditAction.planVersionCreated,
                                          target: "plan/\(saved.id)", requestID: principal?.requestID ?? "keel plans create",
                                          after: ["code": .string(saved.code), "version": .int(saved.version),
                                                  "prices": .string(saved.prices.map(\.description).joined(separator: ", "))],
                                          actorStaffID: principal?.staffID, occurredAt: tx.now))
            return saved
        }
    }
}
