import AsyncHTTPClient
public import BillingAPI
import Foundation
public import Kernel
import NIOCore
import NIOHTTP1

/// `PaymentGateway` over Stripe's HTTP API: form-encoded requests with `Authorization: Bearer
/// sk_…`, an `Idempotency-Key` on every POST, JSON answers and Stripe's error objects
/// (`{"error": {"type", "code", "message"}}`). `KEEL_STRIPE_API_BASE` points it elsewhere: the
/// tests run it against localstripe on loopback.
public struct StripeGateway: PaymentGateway {
    let apiKey: String
    let base: String
    let timeout: TimeAmount
    let client: HTTPClient

    /// `base` without a trailing slash (`https://api.stripe.com`); `timeoutSeconds` bounds each
    /// call (a call that times out is `.unavailable`: its outcome is found out later).
    public init(apiKey: String, base: String = "https://api.stripe.com", timeoutSeconds: Int = 20) {
        self.apiKey = apiKey
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.timeout = .seconds(Int64(timeoutSeconds))
        self.client = .shared
    }

    public func createCustomer(tenantID: TenantID, name: String, email: String?,
                               idempotencyKey: String) async throws(PaymentGatewayError) -> String {
        var form = [("name", name), ("metadata[keel_tenant_id]", tenantID.description)]
        if let email { form.append(("email", email)) }
        return try await post("/v1/customers", form, idempotencyKey: idempotencyKey).string("id")
    }

    public func attach(paymentMethod: String, customer: String,
                       idempotencyKey: String) async throws(PaymentGatewayError) -> PaymentMethodInfo.Card {
        let method = try await post("/v1/payment_methods/\(Self.pathSegment(paymentMethod))/attach", [("customer", customer)],
                                    idempotencyKey: idempotencyKey)
        let card = method.object("card")
        let month = card?.int("exp_month") ?? 0, year = card?.int("exp_year") ?? 0
        return PaymentMethodInfo.Card(id: try method.string("id"), brand: card?.optionalString("brand") ?? "card",
                                    last4: card?.optionalString("last4") ?? "????",
                                    expires: String(format: "%02d/%04d", month, year))
    }

    public func createPayment(_ request: PaymentRequest, idempotencyKey: String) async throws(PaymentGatewayError) -> ProviderPayment {
        var form = [("amount", String(request.amount.minorUnits)), ("currency", request.amount.currency.code.lowercased()),
                    ("customer", request.customer), ("payment_method", request.paymentMethod),
                    ("payment_method_types[]", "card")]
        for (key, value) in request.metadata.sorted(by: { $0.key < $1.key }) { form.append(("metadata[\(key)]", value)) }
        return try await Self.payment(post("/v1/payment_intents", form, idempotencyKey: idempotencyKey))
    }

    public func confirm(payment id: String, idempotencyKey: String) async throws(PaymentGatewayError) -> ProviderPayment {
        try await Self.payment(post("/v1/payment_intents/\(Self.pathSegment(id))/confirm", [], idempotencyKey: idempotencyKey))
    }

    public func payment(_ id: String) async throws(PaymentGatewayError) -> ProviderPayment {
        try await Self.payment(send(.GET, "/v1/payment_intents/\(Self.pathSegment(id))", form: [], idempotencyKey: nil))
    }

    public func cancel(payment id: String, idempotencyKey: String) async throws(PaymentGatewayError) -> ProviderPayment {
        try await Self.payment(post("/v1/payment_intents/\(Self.pathSegment(id))/cancel", [], idempotencyKey: idempotencyKey))
    }

    public func refund(payment id: String, amount: Money, idempotencyKey: String,
                       metadata: [String: String]) async throws(PaymentGatewayError) -> String {
        var form = [("payment_intent", id), ("amount", String(amount.minorUnits))]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) { form.append(("metadata[\(key)]", value)) }
        return try await post("/v1/refunds", form, idempotencyKey: idempotencyKey).string("id")
    }

    // MARK: The wire

    private func post(_ path: String, _ form: [(String, String)], idempotencyKey: String) async throws(PaymentGatewayError) -> JSONObject {
        try await send(.POST, path, form: form, idempotencyKey: idempotencyKey)
    }

    private func send(_ method: HTTPMethod, _ path: String, form: [(String, String)],
                      idempotencyKey: String?) async throws(PaymentGatewayError) -> JSONObject {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "Stripe-Version", value: "2024-06-20")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if method == .POST {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: Self.formEncoded(form)))
        }
        let status: Int, body: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw .unavailable("the payment provider did not answer (\(error))")
        }
        let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        guard (200..<300).contains(status), let json else {
            throw Self.error(status: status, json: json)
        }
        return JSONObject(json)
    }

    private static func error(status: Int, json: [String: Any]?) -> PaymentGatewayError {
        let error = JSONObject(json ?? [:]).object("error")
        let message = error?.optionalString("message") ?? "HTTP \(status)"
        let code = error?.optionalString("code")
        switch status {
        case 402: return .declined(PaymentFailure(code: error?.optionalString("decline_code") ?? code ?? "card_declined", message: message))
        case 401, 403: return .notAuthorized(message)
        case 400, 404, 409, 422: return .rejected(status: status, code: code, message: message)
        default: return .unavailable("HTTP \(status): \(message)")
        }
    }

    private static func payment(_ object: JSONObject) throws(PaymentGatewayError) -> ProviderPayment {
        let rawStatus = try object.string("status")
        guard let status = ProviderPayment.Status(rawValue: rawStatus) else {
            throw .rejected(status: 200, code: nil, message: "a payment in an unknown status \(rawStatus)")
        }
        let error = object.object("last_payment_error")
        let failure = error.map { PaymentFailure(code: $0.optionalString("decline_code") ?? $0.optionalString("code") ?? "payment_failed",
                                                 message: $0.optionalString("message") ?? "The payment failed.") }
        var metadata: [String: String] = [:]
        for (key, value) in object.object("metadata")?.values ?? [:] { if let value = value as? String { metadata[key] = value } }
        return ProviderPayment(id: try object.string("id"), status: status, amountMinor: Int64(object.int("amount") ?? 0),
                               currency: (object.optionalString("currency") ?? "").uppercased(), metadata: metadata, failure: failure)
    }

    /// `application/x-www-form-urlencoded`, as Stripe reads it (`metadata[key]=value`).
    static func formEncoded(_ form: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return form.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    /// An id placed in a path: anything but letters, digits and `_` is escaped, so an id from a
    /// client cannot reach another endpoint.
    static func pathSegment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")) ?? ""
    }
}

/// A JSON object from the provider, read leniently (fields it omits read as nil).
struct JSONObject: @unchecked Sendable {
    let values: [String: Any]
    init(_ values: [String: Any]) { self.values = values }

    func string(_ key: String) throws(PaymentGatewayError) -> String {
        guard let value = values[key] as? String else {
            throw .rejected(status: 200, code: nil, message: "the provider's answer has no \(key)")
        }
        return value
    }
    func optionalString(_ key: String) -> String? { values[key] as? String }
    func int(_ key: String) -> Int? { (values[key] as? NSNumber)?.intValue }
    func object(_ key: String) -> JSONObject? { (values[key] as? [String: Any]).map(JSONObject.init) }
}
