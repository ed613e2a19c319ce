import Foundation
public import Logging
import Kernel
import NotificationsAPI
import Synchronization
public import ServiceLifecycle
public import Storage

/// Delivers webhook messages: claims due deliveries (`WebhookDeliveryRows.claim`: across
/// tenants, one per endpoint at a time, `SKIP LOCKED`), posts each signed to its endpoint
/// outside any transaction, and records the attempt in the delivery's tenant transaction.
///
/// At most `senders` endpoints are served at once, each by one task delivering a batch of its
/// due messages in order, so an endpoint never has two deliveries in flight: a slow or hanging
/// endpoint holds one slot, never another tenant's deliveries. Any number of instances may run
/// (an endpoint is leased by one claim at a time).
///
/// **At least once.** A sender that dies between the POST and recording it leaves the claim
/// to run out (the batch's timeouts plus `leaseSlack`), and the delivery is sent again with the same `webhook-id`, which is
/// what receivers deduplicate on.
public final class WebhookSender: Service, Sendable {
    public struct Options: Sendable {
        /// Endpoints served at once (each by one task, one delivery at a time).
        public var senders = 8
        /// Deliveries claimed for an endpoint at once, delivered in order by its task.
        public var batch = 5
        /// Extra time a claim's lease allows beyond its deliveries' timeouts.
        public var leaseSlack: Duration = .seconds(30)
        /// How often an idle sender looks for due deliveries.
        public var pollInterval: Duration = .milliseconds(500)
        public init() {}
    }

    let platform: PlatformDatabase
    let policy: WebhookPolicy
    let transport: any WebhookTransport
    let options: Options
    let logger: Logger

    public convenience init(platform: PlatformDatabase, policy: WebhookPolicy, options: Options = .init(), logger: Logger) {
        self.init(platform: platform, policy: policy, transport: HTTPWebhookTransport(policy: policy, logger: logger),
                  options: options, logger: logger)
    }

    init(platform: PlatformDatabase, policy: WebhookPolicy, transport: any WebhookTransport, options: Options, logger: Logger) {
        self.platform = platform
        self.policy = policy
        self.transport = transport
        self.options = options
        self.logger = logger
    }

    /// One loop claims batches for the free slots (`senders` endpoints at most), and each batch
    /// runs as its own task; a finished one frees its slot and wakes the loop.
    /// With nothing to claim, the loop waits for a batch to end or `pollInterval`, whichever is first.
    public func run() async throws {
        if policy.allowPrivateAddresses {
            logger.warning("webhooks may be delivered to loopback and private addresses (KEEL_WEBHOOKS_ALLOW_PRIVATE): for tests only")
        }
        let free = Slots(max(1, options.senders))
        let slotFreed = Wakeup()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let slots = free.count.withLock { $0 }
                if slots == 0 {
                    await slotFreed.wait(timeout: options.pollInterval)
                    continue
                }
                var batches: [[WebhookDeliveryRows.Claimed]] = []
                do {
                    batches = try await claim(endpoints: slots)
                } catch where Task.isCancelled || error is CancellationError {
                    break
                } catch {
                    logger.error("webhook claim failed", metadata: ["error": "\(error)"])
                }
                if batches.isEmpty {
                    // Until a batch in flight ends (its endpoint may have more due) or the poll interval passes.
                    await slotFreed.wait(timeout: options.pollInterval)
                    continue
                }
                free.count.withLock { $0 -= batches.count }
                for batch in batches {
                    group.addTask {
                        await self.deliver(batch)
                        free.count.withLock { $0 += 1 }
                        slotFreed.signal()
                    }
                }
            }
        }
        await (transport as? HTTPWebhookTransport)?.shutdown()
    }

    /// The free delivery slots.
    private final class Slots: Sendable {
        let count: Mutex<Int>
        init(_ count: Int) { self.count = Mutex(count) }
    }

    /// Drops attempts older than the policy's retention (30 days); returns how many.
    @discardableResult
    public func pruneAttempts() async throws -> Int {
        try await platform.platform("prune webhook attempts") { tx in
            try await WebhookDeliveryRows.pruneAttempts(before: tx.now.addingTimeInterval(-WebhookPolicy.seconds(policy.attemptRetention)), in: tx)
        }
    }

    /// Due deliveries of at most `endpoints` endpoints, a batch each. The lease covers the
    /// whole batch at its timeout.
    func claim(endpoints: Int) async throws -> [[WebhookDeliveryRows.Claimed]] {
        let lease = WebhookPolicy.seconds(policy.timeout) * Double(options.batch) + WebhookPolicy.seconds(options.leaseSlack)
        return try await platform.platform("webhook claim") { tx in
            try await WebhookDeliveryRows.claim(endpoints: endpoints, perEndpoint: options.batch, leaseSeconds: lease, in: tx)
        }
    }

    /// One endpoint's batch, in order. After a failure the rest waits for the next claim (the
    /// endpoint is likely down: no need to wait out a timeout per message), and the endpoint is
    /// released for the next sender.
    private func deliver(_ batch: [WebhookDeliveryRows.Claimed]) async {
        guard let first = batch.first else { return }
        var index = 0
        while index < batch.count {
            let succeeded = await deliver(batch[index])
            index += 1
            if !succeeded { break }
        }
        let rest = Array(batch[index...])
        do {
            try await platform.tenants.tenant(first.tenantID) { tx in
                try await WebhookDeliveryRows.unclaim(rest, in: tx)
                try await WebhookDeliveryRows.release(first.endpointID, lease: first.lease, in: tx)
            }
        } catch {
            // The leases run out and the deliveries are claimed again.
            logger.error("could not release a webhook endpoint", metadata: ["endpoint_id": "\(first.endpointID)", "error": "\(error)"])
        }
    }

    /// Posts one message; returns whether the endpoint took it.
    private func deliver(_ claimed: WebhookDeliveryRows.Claimed) async -> Bool {
        let timestamp = Int64(platform.clock.now.timeIntervalSince1970.rounded(.down))
        let id = claimed.messageID.wire
        let headers = [("webhook-id", id), ("webhook-timestamp", String(timestamp)),
                       ("webhook-signature", WebhookSignature.header(id: id, timestamp: timestamp, body: claimed.body, secrets: claimed.secrets)),
                       ("user-agent", "Keel-Webhooks/1.0")]
        guard !claimed.secrets.isEmpty else {
            await record(claimed, WebhookResponse(error: "The endpoint's signing secret does not open with KEEL_ENCRYPTION_KEYS (its key left the ring?)."),
                         milliseconds: 0)
            return false
        }
        guard let url = URL(string: claimed.url) else {
            await record(claimed, WebhookResponse(error: "The endpoint's URL cannot be parsed."), milliseconds: 0)
            return false
        }
        let clock = ContinuousClock()
        let start = clock.now
        // Continues the trace the message was made in (the event handler's, or the request's).
        let response = (try? await Traces.span("webhook.deliver", continuing: claimed.traceContext, kind: .producer,
                                                attributes: ["keel.tenant_id": claimed.tenantID.description, "keel.webhook.message_id": id,
                                                             "keel.webhook.endpoint_id": claimed.endpointID.description,
                                                             "keel.webhook.attempt": String(claimed.attempt)]) {
            await transport.post(url, headers: headers, body: claimed.body)
        }) ?? WebhookResponse(error: "The delivery was not attempted.")
        let elapsed = start.duration(to: clock.now)
        await record(claimed, response, milliseconds: Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000))
        return response.status.map { (200..<300).contains($0) } ?? false
    }

    private func record(_ claimed: WebhookDeliveryRows.Claimed, _ response: WebhookResponse, milliseconds: Int) async {
        let succeeded = response.status.map { (200..<300).contains($0) } ?? false
        let gone = response.status == 410
        let error = succeeded ? nil : response.error ?? response.status.map { "The endpoint answered \($0)." }
        do {
            try await platform.tenants.tenant(claimed.tenantID) { tx in
                let outcome: WebhookDeliveryRows.Outcome
                if succeeded {
                    outcome = .succeeded
                } else if gone {
                    outcome = .failed
                } else if let next = policy.nextAttempt(after: claimed.attempt, now: tx.now, retryAfter: response.retryAfter,
                                                        random: Double.random(in: 0...1)) {
                    outcome = .retry(at: next)
                } else {
                    outcome = .failed
                }
                guard try await WebhookDeliveryRows.record(claimed, outcome: outcome, statusCode: response.status,
                                                           durationMilliseconds: milliseconds, responseBody: response.body,
                                                           error: error, in: tx) else { return }
                try await WebhookEndpointRows.recordOutcome(claimed.endpointID, succeeded: succeeded, in: tx)
                if succeeded, let about = claimed.about, let status = response.status {
                    try await tx.publish(WebhookDelivered(tenantID: tx.tenantID, messageID: claimed.messageID, about: about,
                                                          type: claimed.eventType, url: claimed.url, statusCode: status, deliveredAt: tx.now))
                }
                var reason: String?
                if gone {
                    reason = "The endpoint answered 410 Gone."
                } else if !succeeded, let endpoint = try await WebhookEndpointRows.find(claimed.endpointID, in: tx),
                          let since = endpoint.failingSince, endpoint.enabled,
                          tx.now.timeIntervalSince(since) >= WebhookPolicy.seconds(policy.disableAfter) {
                    reason = "Every delivery failed for \(Int(WebhookPolicy.seconds(policy.disableAfter) / 86_400)) days."
                }
                if let reason, let url = try await WebhookEndpointRows.disable(claimed.endpointID, reason: reason, in: tx) {
                    try await tx.publish(WebhookEndpointDisabled(tenantID: tx.tenantID, endpointID: claimed.endpointID, url: url,
                                                                 reason: reason, disabledAt: tx.now))
                }
            }
        } catch {
            // The lease runs out and the delivery is sent again (see the type's note).
            logger.error("could not record a webhook attempt", metadata: [
                "message_id": "\(claimed.messageID.wire)", "endpoint_id": "\(claimed.endpointID)", "error": "\(error)"])
        }
        if !succeeded {
            logger.info("webhook not delivered", metadata: [
                "message_id": "\(claimed.messageID.wire)", "endpoint_id": "\(claimed.endpointID)", "attempt": "\(claimed.attempt)",
                "error": "\(error ?? "")"])
        }
    }
}
