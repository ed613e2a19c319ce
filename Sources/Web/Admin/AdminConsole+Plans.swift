import AccountsAPI
import BillingAPI
import Foundation
import Hummingbird
import HTTPTypes
import Kernel

/// The plan catalog in the console: every version of every plan; billing-ops and admins add a
/// plan or a new version (a price change: subscribers keep theirs) and retire a code.
extension AdminConsole {
    struct PlansPage: Encodable, Sendable {
        struct Row: Encodable, Sendable {
            let code: String
            let version: Int
            let name: String
            let interval: String
            let trialDays: Int
            let seats: String
            let prices: String
            let isDefault: Bool
            let active: Bool
        }
        let plans: [Row]
        let canOperate: Bool
    }

    func plans(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        return try await plansPage(session, notice: AdminNotice.text(request.query("done")))
    }

    func createPlanVersion(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .billingOperate)
        do {
            guard let interval = form["interval"].flatMap(Plan.Interval.init(rawValue:)),
                  let trialDays = form["trial_days"].flatMap({ Int($0) }) else {
                throw AppError.validation([FieldError(field: "interval", code: "invalid_plan", message: "Choose an interval and give the trial days.")])
            }
            let seatsText = (form["seats"] ?? "").trimmingCharacters(in: .whitespaces)
            guard seatsText.isEmpty || Int(seatsText) != nil else {
                throw AppError.validation([FieldError(field: "seats", code: "invalid_seats", message: "Give seats as a whole number, or leave it empty for unlimited.")])
            }
            let plan = NewPlanVersion(code: form["code"] ?? "", name: form["name"] ?? "", interval: interval, trialDays: trialDays,
                                      seats: Int(seatsText), prices: try Self.prices(form["prices"] ?? ""),
                                      makeDefault: form["make_default"] == "on")
            _ = try await billing.createPlanVersion(session.principal, plan)
            return redirect("/admin/plans", done: "plan_created")
        } catch let error as AppError where error.isClientError {
            return try await plansPage(session, error: error.detail, status: .unprocessableContent)
        }
    }

    func retirePlan(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, _) = try await posted(request, context, needs: .billingOperate)
        do {
            _ = try await billing.retirePlan(session.principal, code: try Self.path(context, "code"))
            return redirect("/admin/plans", done: "plan_retired")
        } catch let error as AppError where error.isClientError {
            return try await plansPage(session, error: error.detail, status: .unprocessableContent)
        }
    }

    /// One price a line, "USD 29.00": a currency and a decimal amount in it (never floating point).
    static func prices(_ text: String) throws -> [Money] {
        try text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, let currency = Currency(code: String(parts[0])),
                  let amount = try? Money(decimal: String(parts[1]), currency: currency) else {
                throw AppError.validation([FieldError(field: "prices", code: "invalid_prices",
                                                      message: "Write one price a line, like \"USD 29.00\" (\"\(line)\" is not).")])
            }
            return amount
        }
    }

    private func plansPage(_ session: StaffSession, notice: String? = nil, error: String? = nil,
                           status: HTTPResponse.Status = .ok) async throws -> Response {
        let catalog = try await billing.catalog(session.principal)
        var chrome = Chrome(session, section: "plans", notice: notice)
        chrome.error = error
        let rows = catalog.map(Self.planRow)
        return try page("plans", PlansPage(plans: rows, canOperate: session.principal.can(.billingOperate)), chrome: chrome,
                        status: status)
    }

    private static func planRow(_ plan: Plan) -> PlansPage.Row {
        let prices: [String] = plan.prices.map { price in price.decimalString + " " + price.currency.code }
        let seats: String = plan.seats.map { String($0) } ?? "unlimited"
        return PlansPage.Row(code: plan.code, version: plan.version, name: plan.name, interval: plan.interval.rawValue,
                             trialDays: plan.trialDays, seats: seats, prices: prices.joined(separator: ", "),
                             isDefault: plan.isDefault, active: plan.status == .active)
    }
}
