import Foundation
import KeelTesting
import Kernel
import Storage

/// The development mailbox, read the way a person reads their inbox: wait for the email, take
/// the token out of its text. Emails travel outbox → subscriber → mail queue → sender, so they
/// arrive a moment after the request that caused them.
struct Mailbox {
    let db: TestDatabase

    struct Message {
        let id: String
        let recipient: String
        let subject: String
        let text: String
        let html: String
        let mime: String
    }

    /// Every message to `recipient` whose subject contains `subject`, oldest first.
    func messages(to recipient: String, subject: String = "") async throws -> [Message] {
        try await db.platform.platform("test: read mailbox") { tx in
            try await tx.query("""
                select message_id::text as id, recipient, subject, text_body, html_body, mime from notifications.mailbox
                 where lower(recipient) = lower(\(recipient)) and strpos(subject, \(subject)) > 0
                 order by delivered_at, message_id
                """).map { row in
                Message(id: try row.decode("id"), recipient: try row.decode("recipient"), subject: try row.decode("subject"),
                        text: try row.decode("text_body"), html: try row.decode("html_body"), mime: try row.decode("mime"))
            }
        }
    }

    /// Waits up to `timeout` until there are `count` such messages; returns the newest.
    @discardableResult
    func waitFor(to recipient: String, subject: String, count: Int = 1, timeout: Duration = .seconds(20)) async throws -> Message {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = try await messages(to: recipient, subject: subject)
            if found.count >= count, let last = found.last { return last }
            guard ContinuousClock.now < deadline else {
                throw APIFailure("no email '\(subject)' to \(recipient) after \(timeout) (found \(found.count))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The token with this prefix in an email's text (`keelv_…`, `keelr_…`, `keeli_…`).
    static func token(_ prefix: String, in message: Message) throws -> String {
        guard let range = message.text.range(of: "\(prefix)[A-Za-z0-9_-]{43}", options: .regularExpression) else {
            throw APIFailure("no \(prefix) token in: \(message.text)")
        }
        return String(message.text[range])
    }
}
