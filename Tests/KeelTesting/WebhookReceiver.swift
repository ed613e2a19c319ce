import Foundation

/// A webhook receiver on loopback that verifies every delivery with the `standardwebhooks`
/// reference library (Tests/Support/webhooks/webhook_receiver.py). Each test names its own
/// hooks (`url(_:)`), configures how they answer, and reads what they received.
public final class WebhookReceiver: @unchecked Sendable {
    public struct Delivery: Decodable, Sendable {
        public let id: String?
        public let timestamp: String?
        public let signature: String?
        public let userAgent: String?
        public let body: String
        /// One per configured secret: whether the library verified the delivery with it.
        public let verified: [Bool]
        public let status: Int

        enum CodingKeys: String, CodingKey {
            case id, timestamp, signature, body, verified, status
            case userAgent = "user_agent"
        }

        /// The body as JSON.
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    }

    static let script = TestDatabase.packageRoot.appendingPathComponent("Tests/Support/webhooks/webhook_receiver.py")
    private let child: ReadyProcess
    public var port: Int { child.port }

    private init(child: ReadyProcess) { self.child = child }

    deinit {
        child.stop()
        try? FileManager.default.removeItem(at: child.workDir)
    }

    public static func start() async throws -> WebhookReceiver {
        let workDir = try ReadyProcess.scratchDirectory("webhooks")
        return WebhookReceiver(child: try await ReadyProcess.start(script, ["--port", "0"], workDir: workDir))
    }

    public func url(_ name: String) -> String { "http://127.0.0.1:\(port)/hooks/\(name)" }

    /// How `name` answers from now on, and which secrets it verifies with. `clockOffset` moves
    /// the receiver's clock (for the library's 5-minute timestamp tolerance) with the test's.
    public func configure(_ name: String, secrets: [String], status: Int = 200, delay: Double = 0, retryAfter: Int? = nil,
                          clockOffset: Double = 0) async throws {
        var config: [String: Any] = ["secrets": secrets, "status": status, "delay": delay, "clock_offset": clockOffset]
        if let retryAfter { config["retry_after"] = retryAfter }
        let answer = try await LoopbackHTTP.send("PUT", "http://127.0.0.1:\(port)/_config/\(name)",
                                                 body: try JSONSerialization.data(withJSONObject: config))
        guard answer.status == 204 else { throw ReceiverFailure("configuring \(name): HTTP \(answer.status)") }
    }

    public func received(_ name: String) async throws -> [Delivery] {
        let answer = try await LoopbackHTTP.send("GET", "http://127.0.0.1:\(port)/_received/\(name)")
        return try JSONDecoder().decode([Delivery].self, from: answer.body)
    }

    /// Waits (up to `timeout`) until `name` has received at least `count` deliveries.
    public func waitFor(_ name: String, count: Int = 1, timeout: Duration = .seconds(15)) async throws -> [Delivery] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let got = try await received(name)
            if got.count >= count || ContinuousClock.now >= deadline { return got }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

struct ReceiverFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
