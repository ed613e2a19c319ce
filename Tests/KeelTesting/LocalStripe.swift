public import Foundation

/// A fake Stripe for the tests: localstripe (`Tests/Support/localstripe/localstripe_server.py`)
/// as a child process (`ReadyProcess`), listening on 127.0.0.1, its store in memory only (nothing
/// is read from or written to disk, so every server starts empty). Point `StripeGateway` at
/// `baseURL` with `apiKey`; the helpers below read back what the code under test did.
///
/// Where localstripe is not Stripe (1.15.10, read from its source and tried by hand):
/// - it ignores `Idempotency-Key` and `Stripe-Version`: a retried POST makes a second object;
/// - lists come oldest first (Stripe: newest first), `limit` defaults to 10, and
///   `GET /v1/payment_intents` takes no filters (`customer=` is a 400 "Unexpected customer");
/// - a decline is a 402 `{"error": {"charge", "code": "card_declined", "message": "Your card
///   was declined.", "type": "invalid_request_error"}}`: no `decline_code`, no `payment_intent`,
///   type not `card_error`. Creating with `confirm=true` still stores the payment intent (in
///   `requires_payment_method`, with `last_payment_error`), but the 402 does not name it;
/// - charges are declined for 4000000000000341 (and the 3-D Secure cards 4000008260003178,
///   4000008400001629 once authenticated); 4000000000000002, 4000000000009995 and the like are
///   declined only when attached to a customer: confirmed directly, they succeed;
/// - a declined payment intent cannot be confirmed again (400 "Bad request");
/// - refunds are not checked against what was paid: several, or one larger than the payment,
///   all succeed;
/// - objects embed their `latest_charge` as an object, not an id.
public final class LocalStripe: Sendable {
    /// The secret key the tests use (localstripe takes any `sk_…` key).
    public static let apiKey = "sk_test_keel"
    /// The port it listens on (127.0.0.1).
    public var port: Int { child.port }
    /// `http://127.0.0.1:<port>`, for `StripeGateway(base:)` / `KEEL_STRIPE_API_BASE`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private let child: ReadyProcess

    static let script = TestDatabase.packageRoot.appendingPathComponent("Tests/Support/localstripe/localstripe_server.py")

    private init(child: ReadyProcess) {
        self.child = child
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: child.workDir)
    }

    // MARK: Starting and stopping

    /// Started on first use, by whichever caller comes first; every caller awaits the same
    /// start. A `static let` is initialised exactly once, under a lock the runtime holds, so
    /// concurrent first callers still make one server; a failed start fails every caller alike.
    private static let sharedServer = Task { try await LocalStripe.start() }

    /// The one server of this test process, started on first use and never stopped (it goes
    /// when the process does). localstripe's state is global to its process, so tests sharing
    /// it must each use their own customers and find their own objects (by id or metadata)
    /// rather than count everything. Do not `stop()` it.
    public static func shared() async throws -> LocalStripe {
        try await sharedServer.value
    }

    /// Starts a server of its own and waits (up to 20 s) for its `READY <port>` line.
    public static func start() async throws -> LocalStripe {
        let workDir = try ReadyProcess.scratchDirectory("localstripe")
        do {
            return LocalStripe(child: try await ReadyProcess.start(script, ["--port", "0"], workDir: workDir))
        } catch {
            try? FileManager.default.removeItem(at: workDir)
            throw error
        }
    }

    /// The server's stderr so far: its access log, webhook deliveries and any traceback
    /// (handy in a failing expectation's message).
    public func errorOutput() -> String { child.errorOutput() }

    /// Stops the server; safe to call more than once.
    public func stop() { child.stop() }

    // MARK: Reading back

    /// A payment intent as localstripe holds it (the fields the tests look at).
    public struct PaymentIntent: Sendable, Decodable {
        public let id: String
        /// `requires_payment_method` (also after a decline), `requires_confirmation`,
        /// `requires_action`, `requires_capture`, `processing`, `succeeded` or `canceled`.
        public let status: String
        public let amount: Int
        /// Lower case, as sent (`eur`).
        public let currency: String
        public let customer: String?
        public let metadata: [String: String]
        /// Why the last charge failed; `nil` when it did not.
        public let lastPaymentError: PaymentError?

        enum CodingKeys: String, CodingKey {
            case id, status, amount, currency, customer, metadata, lastPaymentError = "last_payment_error"
        }
    }

    /// A payment intent's `last_payment_error`: `{"charge", "code": "card_declined", "message"}`
    /// after a decline, `{"code": "payment_intent_authentication_failure", "message"}` after
    /// failed 3-D Secure.
    public struct PaymentError: Sendable, Decodable {
        public let code: String?
        public let message: String?
        public let charge: String?
    }

    /// A refund as localstripe holds it.
    public struct Refund: Sendable, Decodable {
        public let id: String
        public let amount: Int
        /// Always `succeeded` in localstripe.
        public let status: String
    }

    /// Creates a card payment method (expiry 12/2034, CVC 123) and returns its id. Not attached
    /// to any customer. Numbers: 4242424242424242 pays; 4000000000000341 attaches but is declined
    /// when charged; 4000000000000002 is declined when attached; 4000002500003155 needs 3-D
    /// Secure (its payment intent stops in `requires_action`).
    public func createPaymentMethod(card number: String) async throws -> String {
        try await decoded(Created.self, "POST", "/v1/payment_methods", form: [
            ("type", "card"), ("card[number]", number), ("card[exp_month]", "12"), ("card[exp_year]", "2034"),
            ("card[cvc]", "123"),
        ]).id
    }

    /// Every payment intent on the server, oldest first, read page by page (all tests' ones
    /// when the server is shared: pick yours by customer or metadata).
    public func paymentIntents() async throws -> [PaymentIntent] {
        try await list("/v1/payment_intents", filters: [])
    }

    /// The refunds of one payment intent (newest first, to the second; those of one second in
    /// the order they were made). A payment intent that was never confirmed has none
    /// (localstripe itself would answer that question with a 500).
    public func refunds(paymentIntent id: String) async throws -> [Refund] {
        let (status, body) = try await json("GET", "/v1/payment_intents/\(Self.pathSegment(id))")
        guard status == 200 else {
            throw LocalStripeFailure("GET /v1/payment_intents/\(id): HTTP \(status): \(String(decoding: body, as: UTF8.self))")
        }
        guard let intent = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw LocalStripeFailure("GET /v1/payment_intents/\(id): not a JSON object: \(String(decoding: body, as: UTF8.self))")
        }
        if intent["latest_charge"] == nil || intent["latest_charge"] is NSNull { return [] }
        // localstripe filters by the payment intent's latest charge, so refunds made through
        // the charge are found too.
        return try await list("/v1/refunds", filters: [("payment_intent", id)])
    }

    // MARK: Webhooks

    /// Registers (or, for an `id` already used, replaces) a webhook endpoint: localstripe POSTs
    /// each event to `url` about a second after it happens, signed as Stripe signs
    /// (`Stripe-Signature: t=<created>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by secret>`).
    ///
    /// Endpoints are global to the server and cannot be removed: on the shared server every
    /// endpoint gets every test's events (limit them with `events`, and pick yours by id or
    /// metadata), and one whose receiver is gone is still tried. Each event is sent once, never
    /// retried. Payment intents raise only `payment_intent.succeeded` and
    /// `payment_intent.payment_failed`; refunds raise nothing. Events carry
    /// `"api_version": "2017-08-15"`.
    ///
    /// - Parameters:
    ///   - id: the endpoint's name (use one per test).
    ///   - url: where to POST (`http…`).
    ///   - secret: the signing secret.
    ///   - events: the event types to send there; all of them when `nil`.
    public func registerWebhook(id: String, url: String, secret: String, events: [String]? = nil) async throws {
        var form = [("url", url), ("secret", secret)]
        for event in events ?? [] { form.append(("events[]", event)) }
        let (status, body) = try await json("POST", "/_config/webhooks/\(Self.pathSegment(id))", form: form)
        guard status == 200 else {
            throw LocalStripeFailure("registering webhook \(id): HTTP \(status): \(String(decoding: body, as: UTF8.self))")
        }
    }

    // MARK: The wire

    /// Sends one request with `Authorization: Bearer sk_test_keel` and returns the status and
    /// the body as they came (any status; only a failure to get an answer throws). `form` is
    /// form-encoded (`card[number]=…`, `events[]=…`): the body of a POST, the query of a GET or
    /// DELETE (after any query already in `path`).
    public func json(_ method: String, _ path: String, form: [(String, String)] = []) async throws -> (status: Int, body: Data) {
        let encoded = Self.formEncoded(form)
        let inQuery = method == "GET" || method == "DELETE" || method == "HEAD"
        var address = baseURL + path
        if inQuery && !encoded.isEmpty { address += (path.contains("?") ? "&" : "?") + encoded }
        var headers = [("Authorization", "Bearer \(Self.apiKey)")]
        if !inQuery { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
        do {
            let answer = try await LoopbackHTTP.send(method, address, headers: headers,
                                                     body: inQuery ? nil : Data(encoded.utf8))
            return (answer.status, answer.body)
        } catch {
            throw LocalStripeFailure("\(method) \(path): no answer from localstripe: \(error)\n\(errorOutput())")
        }
    }

    /// `{"id": …}`: the part of a created object the helpers return.
    private struct Created: Sendable, Decodable {
        let id: String
    }

    /// One page of a list (`{"object": "list", "data": [...], "has_more": …}`).
    private struct ListPage<Item: Decodable & Sendable>: Sendable, Decodable {
        let data: [Item]
        let hasMore: Bool

        enum CodingKeys: String, CodingKey {
            case data, hasMore = "has_more"
        }
    }

    /// A request that must answer 2xx with a `T`.
    private func decoded<T: Decodable & Sendable>(_ type: T.Type, _ method: String, _ path: String,
                                                  form: [(String, String)] = []) async throws -> T {
        let (status, body) = try await json(method, path, form: form)
        guard (200..<300).contains(status) else {
            throw LocalStripeFailure("\(method) \(path): HTTP \(status): \(String(decoding: body, as: UTF8.self))")
        }
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw LocalStripeFailure("\(method) \(path): unexpected answer (\(error)): \(String(decoding: body, as: UTF8.self))")
        }
    }

    /// All of a list, 100 at a time, following `starting_after` until `has_more` is false.
    private func list<Item: LocalStripeListItem>(_ path: String, filters: [(String, String)]) async throws -> [Item] {
        var items: [Item] = []
        var seen: Set<String> = []
        var after: String?
        while true {
            var form = filters + [("limit", "100")]
            if let after { form.append(("starting_after", after)) }
            let page = try await decoded(ListPage<Item>.self, "GET", path, form: form)
            let fresh = page.data.filter { seen.insert($0.id).inserted }
            items += fresh
            // localstripe starts again from the top when `starting_after` names an object it no
            // longer has: a page with nothing new ends the walk rather than looping.
            guard page.hasMore, !fresh.isEmpty, let last = page.data.last else { return items }
            after = last.id
        }
    }

    /// `application/x-www-form-urlencoded`: everything but ASCII letters, digits and `-._~`
    /// escaped (so `card[number]` travels as `card%5Bnumber%5D`, which localstripe reads back).
    static func formEncoded(_ form: [(String, String)]) -> String {
        form.map { "\(escaped($0.0, keeping: "-._~"))=\(escaped($0.1, keeping: "-._~"))" }.joined(separator: "&")
    }

    /// An id placed in a path: anything but ASCII letters, digits and `_` escaped.
    static func pathSegment(_ id: String) -> String {
        escaped(id, keeping: "_")
    }

    private static func escaped(_ text: String, keeping extra: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + extra)
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// What `LocalStripe`'s paging needs of a listed object.
protocol LocalStripeListItem: Decodable, Sendable {
    var id: String { get }
}

extension LocalStripe.PaymentIntent: LocalStripeListItem {}
extension LocalStripe.Refund: LocalStripeListItem {}

/// A request to localstripe that failed, or an answer the helpers did not expect.
public struct LocalStripeFailure: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
