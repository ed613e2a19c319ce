import AccountsAPI
import BillingAPI
import Foundation
import Hummingbird
import HTTPTypes
import Kernel
import NIOCore
import OrdersAPI
import TemplateEngine

/// Orders in the console: the product catalog, every tenant's orders (search, filters, cursor,
/// streamed CSV honouring the filters), and one order's page with its timeline and the staff
/// actions — deliver (partial quantities), cancel and refund (each with a reason, through
/// Billing), add a note. The Orders module checks every rule and writes every audit entry.
extension AdminConsole {
    // MARK: The catalog

    struct ProductRow: Encodable, Sendable {
        let code: String
        let name: String
        let description: String
        let fulfilment: String
        let prices: String
        let seats: String
        let retired: Bool
    }

    struct ProductsPage: Encodable, Sendable {
        let products: [ProductRow]
        /// billing-ops and admins add and retire products.
        let canOperate: Bool
    }

    func products(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        return try await productsPage(session, notice: AdminNotice.text(request.query("done")))
    }

    /// A new product from the form: prices one a line ("USD 25.00"), as on the plans page.
    func createProduct(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .billingOperate)
        do {
            guard let fulfilment = form["fulfilment"].flatMap(Product.Fulfilment.init(rawValue:)) else {
                throw AppError.validation([FieldError(field: "fulfilment", code: "invalid_fulfilment",
                                                      message: "Choose how it is delivered: automatically or by staff.")])
            }
            let seatsText = (form["seats"] ?? "").trimmingCharacters(in: .whitespaces)
            guard seatsText.isEmpty || Int(seatsText) != nil else {
                throw AppError.validation([FieldError(field: "seats", code: "invalid_seats", message: "Give seats as a whole number, or leave it empty.")])
            }
            _ = try await orders.createProduct(session.principal, NewProduct(
                code: form["code"] ?? "", name: form["name"] ?? "", description: form["description"] ?? "", fulfilment: fulfilment,
                prices: try Self.prices(form["prices"] ?? ""), seats: Int(seatsText)))
            return redirect("/admin/products", done: "product_created")
        } catch let error as AppError where error.isClientError {
            return try await productsPage(session, error: Self.sentence(error), status: .unprocessableContent)
        }
    }

    func retireProduct(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, _) = try await posted(request, context, needs: .billingOperate)
        do {
            _ = try await orders.retireProduct(session.principal, code: try Self.path(context, "code"))
            return redirect("/admin/products", done: "product_retired")
        } catch let error as AppError where error.isClientError {
            return try await productsPage(session, error: Self.sentence(error), status: .unprocessableContent)
        }
    }

    private func productsPage(_ session: StaffSession, notice: String? = nil, error: String? = nil,
                              status: HTTPResponse.Status = .ok) async throws -> Response {
        let rows = try await orders.catalog(session.principal).map { product in
            ProductRow(code: product.code, name: product.name, description: product.description, fulfilment: product.fulfilment.rawValue,
                       prices: product.prices.map(\.description).joined(separator: ", "),
                       seats: product.seats.map { "\($0) a piece" } ?? "—", retired: product.retired)
        }
        var chrome = Chrome(session, section: "orders", notice: notice)
        chrome.error = error
        return try page("products", ProductsPage(products: rows, canOperate: session.principal.can(.billingOperate)),
                        chrome: chrome, status: status)
    }

    // MARK: The list and its export

    struct OrderFilters: Encodable, Sendable {
        var q = ""
        var status = ""
        var paymentStatus = ""
        var createdFrom = ""
        var createdTo = ""
        var tenant = ""
    }

    struct OrderRow: TemplateValueConvertible, Sendable {
        let id: String
        let reference: String
        let tenantID: String
        let tenantName: String
        let status: String
        let paymentStatus: String
        let items: String
        let total: String
        let createdAt: Date
        let placedAt: Date?

        /// The row as the template sees it, made directly: walked through `Encodable`, the list's
        /// rows were half of the page's rendering (docs/benchmarks.md, S5). The names are the
        /// properties' (`AdminOrdersTests` compares them with the encoded row).
        var templateValue: TemplateValue {
            .record(TemplateRecord(names: Self.names, values: [
                .string(id), .string(reference), .string(tenantID), .string(tenantName), .string(status), .string(paymentStatus),
                .string(items), .string(total), .date(createdAt), placedAt.map(TemplateValue.date) ?? .null]))
        }

        private static let names = ["id", "reference", "tenantID", "tenantName", "status", "paymentStatus", "items", "total",
                                    "createdAt", "placedAt"]
    }

    struct OrdersPage: Encodable, Sendable {
        let filters: OrderFilters
        let statusOptions: [Option]
        let paymentOptions: [Option]
        /// The tenant the list is narrowed to, named.
        let tenantName: String?
        let rows: [OrderRow]
        let nextURL: String?
        let firstURL: String?
        let exportURL: String
    }

    func ordersList(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        var chrome = Chrome(session, section: "orders", notice: AdminNotice.text(request.query("done")))
        let (filters, filter, problems) = Self.orderQuery(request)
        let base = Self.queryString(filters)
        let exportURL = "/admin/orders.csv" + (base.isEmpty ? "" : "?\(base)")
        func render(_ rows: [OrderRow], tenantName: String?, next: String?, status: HTTPResponse.Status = .ok) throws -> Response {
            try page("orders", OrdersPage(
                filters: filters, statusOptions: Self.orderStatusOptions(filters), paymentOptions: Self.paymentStatusOptions(filters),
                tenantName: tenantName, rows: rows, nextURL: next.map { "/admin/orders?\(base)\(base.isEmpty ? "" : "&")after=\(Self.encode($0))" },
                firstURL: request.query("after") == nil ? nil : "/admin/orders" + (base.isEmpty ? "" : "?\(base)"), exportURL: exportURL),
                chrome: chrome, status: status)
        }
        if !problems.isEmpty {
            chrome.error = problems.joined(separator: " ")
            return try render([], tenantName: nil, next: nil, status: .unprocessableContent)
        }
        guard let pageRequest = try? PageRequest(limit: 50, startingAfter: request.query("after")) else {
            throw AppError(.invalidInput, "The page link is not valid; start from the first page.")
        }
        let found = try await orders.orders(session.principal, filter: filter, page: pageRequest)
        let names = try await support.tenants(session.principal, ids: Array(Set(found.items.map(\.tenantID) + [filter.tenantID].compactMap { $0 })))
        return try render(found.items.map { Self.orderRow($0, tenant: names[$0.tenantID]) },
                          tenantName: filter.tenantID.flatMap { names[$0]?.name }, next: found.nextCursor)
    }

    /// The whole filtered list as CSV, written as it is read, page by page (each its own short
    /// transaction), and audited.
    func ordersCSV(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        let (filters, filter, problems) = Self.orderQuery(request)
        if !problems.isEmpty { throw AppError(.invalidInput, problems.joined(separator: " ")) }
        let (orders, support, principal) = (self.orders, self.support, session.principal)
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "id,tenant_id,tenant,status,payment_status,currency,total,amount_paid,refunded,items,created_at,placed_at\r\n"))
            var cursor: String?
            repeat {
                let page = try await orders.orders(principal, filter: filter,
                                                   page: try PageRequest(limit: PageRequest.maxLimit, startingAfter: cursor))
                let names = try await support.tenants(principal, ids: Array(Set(page.items.map(\.tenantID))))
                try await writer.write(ByteBuffer(string: page.items.map { CSV.row($0, tenant: names[$0.tenantID]) }.joined()))
                cursor = page.nextCursor
            } while cursor != nil
            try await support.recordAction(principal, tenantID: filter.tenantID, action: OrdersAuditAction.ordersExported,
                                           target: "orders?\(Self.queryString(filters))", reason: nil)
            try await writer.finish(nil)
        }
        let stamp = ISO8601DateFormatter().string(from: clock.now).prefix(10)
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"keel-orders-\(stamp).csv\""],
                        body: body)
    }

    static func orderRow(_ order: Order, tenant: Tenant?) -> OrderRow {
        OrderRow(id: order.id.description, reference: order.id.reference, tenantID: order.tenantID.description,
                 tenantName: tenant?.name ?? order.tenantID.description, status: order.status.rawValue,
                 paymentStatus: order.paymentStatus.rawValue, items: Self.items(order), total: order.total.description,
                 createdAt: order.createdAt, placedAt: order.placedAt)
    }

    /// "2 × Extra seats, 1 × Onboarding", appended piece by piece (interpolating and joining
    /// were a tenth of a page of 50 orders).
    static func items(_ order: Order) -> String {
        var text = ""
        for line in order.lines {
            if !text.isEmpty { text += ", " }
            text += String(line.quantity)
            text += " × "
            text += line.productName
        }
        return text
    }

    /// The list's filters from the query string, as typed (for the form) and as a filter; bad
    /// values are named, not guessed at.
    static func orderQuery(_ request: Request) -> (OrderFilters, OrderFilter, [String]) {
        var filters = OrderFilters()
        var filter = OrderFilter()
        var problems: [String] = []
        if let q = request.query("q")?.trimmingCharacters(in: .whitespaces).lowercased(), !q.isEmpty {
            filters.q = q
            if q.count <= 36, q.allSatisfy({ $0.isHexDigit || $0 == "-" }) { filter.reference = q } else {
                problems.append("Search by an order's reference: the first characters of its id, like 0193a2b4.")
            }
        }
        if let status = request.query("status"), !status.isEmpty {
            filters.status = status
            if let parsed = OrderStatus(rawValue: status) { filter.status = parsed } else { problems.append("Choose a status from the list.") }
        }
        if let payment = request.query("payment_status"), !payment.isEmpty {
            filters.paymentStatus = payment
            if let parsed = OrderPaymentStatus(rawValue: payment) { filter.paymentStatus = parsed } else {
                problems.append("Choose a payment status from the list.")
            }
        }
        if let tenant = request.query("tenant"), !tenant.isEmpty {
            filters.tenant = tenant
            if let id = TenantID(tenant) { filter.tenantID = id } else { problems.append("The tenant in the address is not a tenant id.") }
        }
        if let from = request.query("created_from"), !from.isEmpty {
            filters.createdFrom = from
            if let date = Self.day(from) { filter.createdFrom = date } else { problems.append("'Created from' must be a date like 2026-11-21.") }
        }
        if let to = request.query("created_to"), !to.isEmpty {
            filters.createdTo = to
            // The end day counts whole: up to the start of the next day.
            if let date = Self.day(to) { filter.createdBefore = date.addingTimeInterval(86_400) } else {
                problems.append("'Created to' must be a date like 2026-11-21.")
            }
        }
        return (filters, filter, problems)
    }

    static func queryString(_ filters: OrderFilters) -> String {
        queryString([("q", filters.q), ("status", filters.status), ("payment_status", filters.paymentStatus),
                     ("created_from", filters.createdFrom), ("created_to", filters.createdTo), ("tenant", filters.tenant)])
    }

    static func orderStatusOptions(_ filters: OrderFilters) -> [Option] {
        Option.list(orderStatusChoices, selected: filters.status)
    }

    static func paymentStatusOptions(_ filters: OrderFilters) -> [Option] {
        Option.list(paymentStatusChoices, selected: filters.paymentStatus)
    }

    /// Each filter's choices, value and label, made once (not on every page of the list).
    private static let orderStatusChoices = choices(OrderStatus.allCases.map(\.rawValue))
    private static let paymentStatusChoices = choices(OrderPaymentStatus.allCases.map(\.rawValue))

    /// "Any", then each value labelled as words (`partially_refunded` → "partially refunded").
    private static func choices(_ values: [String]) -> [(value: String, label: String)] {
        [("", "Any")] + values.map { ($0, $0.replacingOccurrences(of: "_", with: " ")) }
    }

    // MARK: One order

    struct OrderLineRow: Encodable, Sendable {
        let number: Int
        let product: String
        let code: String
        let quantity: Int
        let fulfilled: Int
        let left: Int
        let unitAmount: String
        let amount: String
    }

    struct TimelineRow: Encodable, Sendable {
        let kind: String
        let actor: String
        let occurredAt: Date
        let detail: String
        /// The entry's CSS class: staff notes stand out.
        let style: String
    }

    struct OrderPage: Encodable, Sendable {
        let tenant: TenantView
        let id: String
        let reference: String
        let status: String
        let paymentStatus: String
        let currency: String
        let total: String
        let coupon: String?
        let discount: String
        let amountPaid: String?
        let refunded: String
        let refundable: String
        let invoiceID: String?
        let createdAt: Date
        let placedAt: Date?
        let canceledAt: Date?
        let lines: [OrderLineRow]
        let timeline: [TimelineRow]
        let canFulfil: Bool
        let canCancel: Bool
        let canRefund: Bool
        /// Canceling gives the money back first.
        let cancelRefunds: Bool
    }

    func orderDetail(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        let (tenantID, orderID) = try Self.orderPath(context)
        return try await orderPage(session, tenantID, orderID, notice: AdminNotice.text(request.query("done")))
    }

    /// Delivers some pieces: one number field per line (`line_<n>`), empty or 0 for none.
    func fulfilOrder(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await orderAction(request, context, needs: .ordersFulfil) { session, form, tenantID, orderID in
            var quantities: [Int: Int] = [:]
            for (name, value) in form.fields where name.hasPrefix("line_") {
                let text = value.trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty, let line = Int(name.dropFirst(5)) else { continue }
                guard let quantity = Int(text) else {
                    throw AppError.validation([FieldError(field: name, code: "not_a_number", message: "Line \(line): give a whole number.")])
                }
                quantities[line] = quantity
            }
            _ = try await orders.fulfil(session.principal, tenantID: tenantID, id: orderID,
                                        Fulfilment(quantities: quantities, note: form["note"]))
            return "order_fulfilled"
        }
    }

    func cancelOrder(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await orderAction(request, context, needs: .billingOperate) { session, form, tenantID, orderID in
            _ = try await orders.cancel(session.principal, tenantID: tenantID, id: orderID, reason: form["reason"] ?? "")
            return "order_canceled"
        }
    }

    /// A refund typed as a decimal in the order's currency ("12.50").
    func refundOrder(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await orderAction(request, context, needs: .billingOperate) { session, form, tenantID, orderID in
            guard let currency = form["currency"].flatMap({ Currency(code: $0) }),
                  let amount = try? Money(decimal: (form["amount"] ?? "").trimmingCharacters(in: .whitespaces), currency: currency),
                  amount.isPositive else {
                throw AppError.validation([FieldError(field: "amount", code: "invalid_amount",
                                                      message: "Give a positive amount like 12.50, in the order's currency.")])
            }
            _ = try await orders.refund(session.principal, tenantID: tenantID, id: orderID, amount: amount, reason: form["reason"] ?? "")
            return "order_refunded"
        }
    }

    func addOrderNote(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await orderAction(request, context, needs: .consoleRead) { session, form, tenantID, orderID in
            try await orders.addNote(session.principal, tenantID: tenantID, id: orderID, text: form["text"] ?? "")
            return "note_added"
        }
    }

    /// One posted action on an order, then back to its page with a notice; a refusal (a bad
    /// quantity, a missing reason, too large a refund, a cancel the rules forbid) is shown on the
    /// order's page (422), as is the payment provider not answering (503).
    private func orderAction(
        _ request: Request, _ context: KeelRequestContext, needs permission: StaffPermission,
        _ action: (StaffSession, AdminForm, TenantID, OrderID) async throws -> String
    ) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: permission)
        let (tenantID, orderID) = try Self.orderPath(context)
        do {
            let notice = try await action(session, form, tenantID, orderID)
            return redirect("/admin/tenants/\(tenantID)/orders/\(orderID)", done: notice)
        } catch let error as AppError where error.isClientError && error.code != .tenantNotFound && error.code != .orderNotFound {
            return try await orderPage(session, tenantID, orderID, error: Self.sentence(error), status: .unprocessableContent)
        } catch let error as AppError where error.code == .paymentProviderUnavailable {
            return try await orderPage(session, tenantID, orderID, error: error.detail, status: .serviceUnavailable)
        }
    }

    /// One tenant, for a page that only names it (not the tenant page's whole detail).
    func tenant(_ session: StaffSession, _ id: TenantID) async throws -> Tenant {
        guard let tenant = try await support.tenants(session.principal, ids: [id])[id] else {
            throw AppError(.tenantNotFound, "There is no such tenant.")
        }
        return tenant
    }

    /// A refusal in words: its fields' messages when it names fields, its detail otherwise.
    static func sentence(_ error: AppError) -> String {
        error.fieldErrors.isEmpty ? error.detail : error.fieldErrors.map(\.message).joined(separator: " ")
    }

    static func orderPath(_ context: KeelRequestContext) throws -> (TenantID, OrderID) {
        (try id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound),
         try id(context, "order", as: OrderID.self, notFound: .orderNotFound))
    }

    private func orderPage(_ session: StaffSession, _ tenantID: TenantID, _ orderID: OrderID, notice: String? = nil,
                           error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let tenant = try await self.tenant(session, tenantID)
        async let reading = orders.order(session.principal, tenantID: tenantID, id: orderID)
        async let entries = orders.timeline(session.principal, tenantID: tenantID, id: orderID)
        let (order, timeline) = try await (reading, entries)
        var chrome = Chrome(session, section: "orders", notice: notice)
        chrome.error = error
        let principal = session.principal
        let delivered = order.lines.contains { $0.fulfilled > 0 }
        let paid = order.paymentStatus == .paid || order.paymentStatus == .partiallyRefunded
        return try page("order", OrderPage(
            tenant: TenantView(tenant), id: order.id.description, reference: order.id.reference,
            status: order.status.rawValue, paymentStatus: order.paymentStatus.rawValue, currency: order.currency.code,
            total: order.total.description, coupon: order.coupon, discount: order.discount.description,
            amountPaid: order.amountPaid?.description, refunded: order.refunded.description,
            refundable: order.refundable.description, invoiceID: order.invoiceID?.lowercasedString,
            createdAt: order.createdAt, placedAt: order.placedAt, canceledAt: order.canceledAt,
            lines: order.lines.map { line in
                OrderLineRow(number: line.number, product: line.productName, code: line.productCode, quantity: line.quantity,
                             fulfilled: line.fulfilled, left: line.quantity - line.fulfilled, unitAmount: line.unitAmount.description,
                             amount: line.amount.description)
            },
            timeline: timeline.map { entry in
                TimelineRow(kind: entry.kind.replacingOccurrences(of: "_", with: " "), actor: entry.actor.rawValue,
                            occurredAt: entry.occurredAt,
                            detail: entry.detail.sorted { $0.key < $1.key }.map { "\($0.key.replacingOccurrences(of: "_", with: " ")): \($0.value)" }
                                .joined(separator: "; "),
                            style: entry.kind == "note" ? "note" : "event")
            },
            canFulfil: principal.can(.ordersFulfil) && paid && order.undelivered > 0
                && (order.status == .placed || order.status == .partiallyFulfilled),
            canCancel: principal.can(.billingOperate) && !delivered && order.status != .canceled,
            canRefund: principal.can(.billingOperate) && paid && order.refundable.isPositive,
            cancelRefunds: paid), chrome: chrome, status: status)
    }
}

extension CSV {
    static func row(_ order: Order, tenant: Tenant?) -> String {
        [order.id.description, order.tenantID.description, tenant?.name ?? "", order.status.rawValue, order.paymentStatus.rawValue,
         order.currency.code, order.total.decimalString, order.amountPaid?.decimalString ?? "", order.refunded.decimalString,
         AdminConsole.items(order), order.createdAt.formatted(.iso8601), order.placedAt?.formatted(.iso8601) ?? ""]
            .map(field).joined(separator: ",") + "\r\n"
    }
}
