import Foundation
public import Logging
import NotificationsAPI
public import ServiceLifecycle
import Kernel
public import Storage

/// Sends queued mail through the transport and records each outcome.
///
/// Like the event dispatcher: a batch is claimed in one short platform transaction (`FOR
/// UPDATE SKIP LOCKED`, the claim pushes `available_at` a lease ahead and counts the attempt),
/// each message is handed to the transport outside any transaction, and the outcome is
/// recorded after. A temporary failure is retried with exponential back-off; a permanent one,
/// or running out of attempts, marks the message `failed` with the reason — visible in the
/// delivery log, `keel mail log`, and retryable.
///
/// **Exactly once, and where it stops.** The development mailbox stores by message id, so a
/// repeated send stores nothing twice. SMTP has no such handle: if the process dies after the
/// server's `250` and before the outcome is recorded, the lease runs out and the message is
/// sent again. The window is one database round trip; the repeat carries the same
/// `Message-ID`, which receiving systems may use to drop it.
public final class MailSender: Service, Sendable {
    static let channel = "keel_mail"

    public struct Options: Sendable {
        public var batchSize = 10
        /// Attempts before a message is marked failed.
        public var maxAttempts = 8
        /// First retry delay; doubled per attempt, capped, with jitter.
        public var baseBackoff: Duration = .seconds(5)
        public var maxBackoff: Duration = .seconds(3600)
        /// How long a claimed message is hidden from other senders: longer than a whole SMTP
        /// conversation can take with the default timeouts.
        public var lease: Duration = .seconds(600)
        public var pollInterval: Duration = .seconds(1)
        /// How long the delivery log (and the development mailbox) keeps a message
        /// (`KEEL_MAIL_RETENTION_DAYS`, 90 by default).
        public var retention: Duration = .seconds(90 * 86_400)
        /// Past this, an unsent message's sealed token is dropped: no emailed token lives longer
        /// (invitations, 7 days, are the longest).
        public var tokenLifetime: Duration = .seconds(7 * 86_400)
        public init() {}
    }

    let platform: PlatformDatabase
    let transport: any MailTransport
    let fromAddress: String
    let options: Options
    let logger: Logger

    public init(platform: PlatformDatabase, transport: any MailTransport, fromAddress: String, options: Options = .init(),
                logger: Logger) {
        self.platform = platform
        self.transport = transport
        self.fromAddress = fromAddress
        self.options = options
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if try await sendBatch() == options.batchSize { continue }
            } catch where Task.isCancelled || error is CancellationError {
                break
            } catch {
                logger.error("mail sending failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.options.pollInterval) }
        }
    }

    /// Deletes messages past the retention and drops tokens past their lifetime; returns how
    /// many messages were deleted. Run hourly.
    @discardableResult
    public func purge() async throws -> Int {
        try await platform.platform("purge mail") { tx in
            try await MessageRows.purge(retentionSeconds: Double(options.retention.components.seconds),
                                        tokenSeconds: Double(options.tokenLifetime.components.seconds), in: tx)
        }
    }

    /// Claims and sends one batch; returns how many messages it claimed.
    @discardableResult
    public func sendBatch() async throws -> Int {
        let claimed = try await platform.platform("mail claim") { tx in
            try await MessageRows.claim(limit: options.batchSize, maxAttempts: options.maxAttempts,
                                        leaseSeconds: options.lease.seconds, in: tx)
        }
        for message in claimed {
            await send(message)
        }
        return claimed.count
    }

    private func send(_ message: MessageRows.Claimed) async {
        if let reason = message.unsendable {
            do { try await record(message, failure: .permanent(reason)) } catch {
                logger.error("could not record mail outcome", metadata: ["message_id": "\(message.id)", "error": "\(error)"])
            }
            return
        }
        let mail = OutgoingMail(id: message.id, tenantID: message.tenantID, fromAddress: fromAddress,
                                fromName: message.senderName, recipient: message.recipient, subject: message.subject,
                                text: message.text, html: message.html, date: message.createdAt)
        var failure: MailTransportError?
        do {
            // Continues the trace the message was queued in (the event handler's).
            try await Traces.span("mail.send", continuing: message.traceContext, kind: .producer,
                                  attributes: ["keel.tenant_id": message.tenantID.description, "keel.message_id": message.id.description,
                                               "keel.mail.kind": message.kind, "keel.mail.transport": transport.name]) {
                try await transport.send(mail)
            }
        } catch let error as MailTransportError {
            failure = error
        } catch {
            failure = .temporary(String(describing: error))
        }
        do {
            try await record(message, failure: failure)
        } catch {
            // The lease runs out and the message is claimed again (see the type's note).
            logger.error("could not record mail outcome", metadata: ["message_id": "\(message.id)", "error": "\(error)"])
        }
    }

    private func record(_ message: MessageRows.Claimed, failure: MailTransportError?) async throws {
        let outcome: MessageRows.Outcome
        switch failure {
        case nil:
            outcome = .sent
        case .temporary(let reason) where message.attempts < options.maxAttempts:
            logger.warning("mail not sent, will retry", metadata: [
                "message_id": "\(message.id)", "attempt": "\(message.attempts)", "reason": "\(reason)"])
            outcome = .retry(afterSeconds: backoff(afterAttempt: message.attempts), reason: reason)
        case let failure?:
            // Permanent, or temporary with no attempts left.
            logger.error("mail failed", metadata: ["message_id": "\(message.id)", "reason": "\(failure)"])
            outcome = .failed(reason: failure.description)
        }
        if case .sent = outcome, let about = message.about {
            // An email about another module's record: marked sent and announced in one tenant
            // transaction, so the owner hears of it exactly when it is recorded sent.
            try await platform.tenants.tenant(message.tenantID) { tx in
                // A newer claim owns the message now: its sender announces it, not this one.
                guard try await MessageRows.record(message, outcome, transport: transport.name, in: tx) else { return }
                try await tx.publish(EmailSent(tenantID: message.tenantID, messageID: message.id, about: about, kind: message.kind,
                                               recipient: message.recipient, subject: message.subject, sentAt: tx.now))
            }
            return
        }
        _ = try await platform.platform("mail record") { tx in
            try await MessageRows.record(message, outcome, transport: transport.name, in: tx)
        }
    }

    func backoff(afterAttempt attempt: Int) -> Double {
        RetryBackoff(base: options.baseBackoff, cap: options.maxBackoff).seconds(afterAttempt: attempt)
    }
}
