import Foundation
import Kernel
import Logging
import Storage

extension KeelConfig {
    /// The key ring that seals secrets at rest: `KEEL_ENCRYPTION_KEYS`, or, for the embedded
    /// database only, a development key kept beside it in `<data dir>/encryption-keys` (made
    /// on the first start, readable by its owner only). A server on an external database
    /// refuses to start without keys: a key made inside a container would be lost with it, and
    /// every sealed secret with the key.
    func keyRing(embedded: Bool, logger: Logger) throws -> KeyRing {
        if let keys = encryptionKeys { return try KeyRing(parsing: keys) }
        guard embedded else {
            throw AppError(.configurationInvalid, """
                KEEL_ENCRYPTION_KEYS is required with an external DATABASE_URL: it seals TOTP secrets, webhook secrets \
                and emailed tokens in the database. `keel secrets new-key` prints one (docs/security.md).
                """)
        }
        let file = URL(fileURLWithPath: dataDirectory).appendingPathComponent("encryption-keys")
        if let stored = try? String(contentsOf: file, encoding: .utf8) {
            return try KeyRing(parsing: stored.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let entry = KeyRing.newKeyEntry(id: "dev-1")
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: Data((entry + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw AppError(.configurationInvalid, "Could not write the development encryption key to \(file.path).")
        }
        logger.notice("secrets: no KEEL_ENCRYPTION_KEYS, so a development key was made at \(file.path); production sets KEEL_ENCRYPTION_KEYS")
        return try KeyRing(parsing: entry)
    }
}
