import Accounts
import Foundation
public import Kernel
public import Logging
import Notifications
import Storage

/// `keel secrets`: a new key for `KEEL_ENCRYPTION_KEYS`, and re-sealing everything under the
/// current key after one is added (docs/security.md, "Rotating the key").
public enum SecretsCommands {
    /// Every sealed column, module by module.
    static let columns = AccountsModule.sealedColumns + StaffModule.sealedColumns + NotificationsModule.sealedColumns
        + [IdempotencyKeys.sealedColumn]

    /// A new `KEEL_ENCRYPTION_KEYS` entry: put it first, keep the old ones after it.
    public static func newKey(id: String?, clock: any WallClock = SystemClock()) -> String {
        let stamp = clock.now.formatted(.iso8601.year().month().day()).replacingOccurrences(of: "-", with: "")
        return KeyRing.newKeyEntry(id: id ?? "k\(stamp)")
    }

    /// Re-seals every column under the current key; `progress` hears a line per batch. The
    /// summary says when the older keys may leave the ring (nothing left under them).
    public static func rotate(_ config: KeelConfig, logger: Logger, progress: @escaping @Sendable (String) -> Void) async throws -> String {
        try await DatabaseSetup.resolve(config, logger: logger).whileRunning { setup in
            let ring = try config.keyRing(embedded: setup.cluster != nil, logger: logger)
            return try await DatabasePool.withPool(setup.server, secrets: ring, logger: logger) { pool in
                let rotation = SecretRotation(pool: pool)
                var lines: [String] = []
                var (resealed, unopenable) = (0, 0)
                for column in columns {
                    let report = try await rotation.reseal(column) { report in
                        progress("\(column.name): \(report.resealed) re-sealed so far")
                    }
                    resealed += report.resealed
                    unopenable += report.unopenable
                    if report.resealed > 0 || report.unopenable > 0 {
                        lines.append("\(column.name): \(report.resealed) re-sealed"
                                     + (report.unopenable > 0 ? ", \(report.unopenable) would not open (left as they were)" : ""))
                    }
                }
                lines.append("Re-sealed \(resealed) values under '\(ring.currentKeyID)'.")
                if unopenable > 0 {
                    lines.append("\(unopenable) values would not open with these keys: they are unreadable whatever is done (docs/security.md).")
                } else if ring.keyIDs.count > 1 {
                    lines.append("Nothing is sealed under \(ring.keyIDs.dropFirst().joined(separator: ", ")) any more: they may leave KEEL_ENCRYPTION_KEYS.")
                }
                return lines.joined(separator: "\n")
            }
        }
    }
}
