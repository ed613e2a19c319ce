import Foundation
import Kernel
import PasswordHashing
import Storage

extension OutboxMonitor: MetricsSource {
    func samples() async throws -> [MetricSample] {
        let health = try await health()
        return [
            MetricSample("keel_outbox_pending", .gauge, Double(health.pending), help: "Events not yet handled by every subscriber."),
            MetricSample("keel_outbox_oldest_pending_seconds", .gauge,
                         health.oldestPendingAt.map { max(0, clock.now.timeIntervalSince($0)) } ?? 0,
                         help: "Age of the oldest event not yet handled (0: none)."),
            MetricSample("keel_outbox_dead_letters", .gauge, Double(health.deadLettered),
                         help: "Events given up on, waiting for an operator (keel outbox, or the console)."),
        ]
    }
}

/// The password hasher's queue: Argon2id runs on its own threads, behind a bounded queue.
struct HasherMetrics: MetricsSource {
    let hasher: PasswordHasher

    func samples() async throws -> [MetricSample] {
        [
            MetricSample("keel_password_hashing_in_flight", .gauge, Double(hasher.inFlight),
                         help: "Sign-ins and password changes hashing or waiting for a hashing thread."),
            MetricSample("keel_password_hashing_capacity", .gauge, Double(hasher.threads + hasher.queueDepth),
                         help: "How many may hash or wait at once; beyond it callers get 503."),
            MetricSample("keel_password_hashing_rejections_total", .counter, Double(hasher.rejected),
                         help: "Requests turned away because the hashing queue was full."),
        ]
    }
}

/// The process's memory and open files, from /proc (Linux).
struct ProcessMetrics: MetricsSource {
    func samples() async throws -> [MetricSample] {
        var samples: [MetricSample] = []
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") || line.hasPrefix("VmHWM:") {
                let kib = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
                samples.append(line.hasPrefix("VmRSS:")
                    ? MetricSample("keel_process_resident_memory_bytes", .gauge, kib * 1024, help: "Resident memory (VmRSS).")
                    : MetricSample("keel_process_peak_resident_memory_bytes", .gauge, kib * 1024, help: "Peak resident memory (VmHWM)."))
            }
        }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            samples.append(MetricSample("keel_process_open_fds", .gauge, Double(fds.count), help: "Open file descriptors."))
        }
        return samples
    }
}
