import Foundation
import Kernel
import Storage

/// How long the outgoing queues are, across tenants, for `/metrics`. Each count reads a partial
/// index (`messages_due`, `webhook_deliveries_due`), so a scrape costs little however much
/// history the tables keep.
enum QueueStatsRows {
    struct Stats {
        let mailQueued: Int, mailOldest: Date?
        let webhooksPending: Int, webhooksOldest: Date?
    }

    static func read(in tx: PlatformTransaction) async throws -> Stats {
        guard let row = try await tx.query("""
            select (select count(*)::int8 from notifications.messages where status = 'queued') as mail_queued,
                   (select min(created_at) from notifications.messages where status = 'queued') as mail_oldest,
                   (select count(*)::int8 from notifications.webhook_deliveries where status = 'pending') as webhooks_pending,
                   (select min(created_at) from notifications.webhook_deliveries where status = 'pending') as webhooks_oldest
            """).first else {
            return Stats(mailQueued: 0, mailOldest: nil, webhooksPending: 0, webhooksOldest: nil)
        }
        return Stats(mailQueued: try row.decode("mail_queued"), mailOldest: try row.decode("mail_oldest"),
                     webhooksPending: try row.decode("webhooks_pending"), webhooksOldest: try row.decode("webhooks_oldest"))
    }
}
