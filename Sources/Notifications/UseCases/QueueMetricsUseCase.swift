import Foundation
import Kernel
import Storage

/// The outgoing queues' length and age, for `/metrics`: what an operator alerts on when mail or
/// webhooks stop going out.
struct QueueMetricsUseCase {
    let platform: PlatformDatabase

    func callAsFunction() async throws -> [MetricSample] {
        try await platform.platform("queue metrics") { tx in
            let stats = try await QueueStatsRows.read(in: tx)
            func age(_ oldest: Date?) -> Double { oldest.map { max(0, tx.now.timeIntervalSince($0)) } ?? 0 }
            return [
                MetricSample("keel_mail_queued", .gauge, Double(stats.mailQueued), help: "Emails waiting to be sent."),
                MetricSample("keel_mail_oldest_queued_seconds", .gauge, age(stats.mailOldest),
                             help: "Age of the oldest email waiting to be sent (0: none)."),
                MetricSample("keel_webhook_deliveries_pending", .gauge, Double(stats.webhooksPending),
                             help: "Webhook deliveries waiting for their next attempt."),
                MetricSample("keel_webhook_oldest_pending_seconds", .gauge, age(stats.webhooksOldest),
                             help: "Age of the oldest webhook delivery still waiting (0: none)."),
            ]
        }
    }
}
