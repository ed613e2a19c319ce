internal import Crypto
public import Foundation
public import Kernel

/// The keys that seal secrets stored in the database (`KEEL_ENCRYPTION_KEYS`): TOTP secrets,
/// webhook signing secrets, emailed tokens waiting to be sent, stored idempotent answers.
///
/// A sealed value is text: `ks1.<key id>.<base64 of nonce ‖ ciphertext ‖ tag>`, AES-256-GCM
/// with the value's `SecretBinding` (tenant, purpose, row) as associated data, so a value
/// copied into another tenant's row, another column or another row does not open. The first
/// key seals; every key opens, so a new key is put first and the old ones stay until
/// `keel secrets rotate` has re-sealed everything.
///
/// A stored value that is not sealed is read as it is: rows written before sealing existed
/// stay usable until `keel secrets rotate` seals them.
public struct KeyRing: Sendable {
    struct Key: Sendable {
        let id: String
        let key: SymmetricKey
    }

    let keys: [Key]

    /// The id of the key that seals.
    public var currentKeyID: String { keys[0].id }
    public var keyIDs: [String] { keys.map(\.id) }

    /// Parses `id:base64,id:base64` (32-byte keys; the first seals).
    public init(parsing spec: String) throws {
        var keys: [Key] = []
        for entry in spec.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, Self.isKeyID(parts[0]) else {
                throw AppError(.configurationInvalid, "KEEL_ENCRYPTION_KEYS: each entry is id:base64-key, with an id of letters, digits, - or _ (at most 32), not '\(entry.prefix(40))…'.")
            }
            guard let material = Data(base64Encoded: parts[1]), material.count == 32 else {
                throw AppError(.configurationInvalid, "KEEL_ENCRYPTION_KEYS: the key '\(parts[0])' must be 32 bytes in base64 (make one with `keel secrets new-key`).")
            }
            guard !keys.contains(where: { $0.id == parts[0] }) else {
                throw AppError(.configurationInvalid, "KEEL_ENCRYPTION_KEYS: the key id '\(parts[0])' appears twice.")
            }
            keys.append(Key(id: parts[0], key: SymmetricKey(data: material)))
        }
        guard !keys.isEmpty else {
            throw AppError(.configurationInvalid, "KEEL_ENCRYPTION_KEYS names no key.")
        }
        self.keys = keys
    }

    /// A new random key as one `KEEL_ENCRYPTION_KEYS` entry (`id:base64`).
    public static func newKeyEntry(id: String) -> String {
        "\(id):\(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() })"
    }

    static func isKeyID(_ id: String) -> Bool {
        (1...32).contains(id.count) && id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
    }

    static let prefix = "ks1."

    /// Seals `secret` under the current key, bound to `binding`.
    public func seal(_ secret: some DataProtocol, for binding: SecretBinding) -> String {
        let key = keys[0]
        // AES.GCM.seal fails only for a nonce or key of the wrong size, which cannot happen here.
        let box = try! AES.GCM.seal(secret, using: key.key, authenticating: binding.associatedData)
        return Self.prefix + key.id + "." + box.combined!.base64EncodedString()
    }

    /// The secret in `stored`: opened when sealed, as it is when written before sealing.
    /// Throws when it is sealed under a key the ring lacks or does not open with this binding
    /// (copied from another row, or altered).
    public func open(_ stored: some Collection<UInt8>, for binding: SecretBinding) throws -> [UInt8] {
        guard let sealed = Sealed(stored) else { return Array(stored) }
        guard let key = keys.first(where: { $0.id == sealed.keyID }) else {
            throw AppError(.internalError, "A \(binding.purpose) value is sealed under the key '\(sealed.keyID)', which KEEL_ENCRYPTION_KEYS does not hold.")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.box)
            return Array(try AES.GCM.open(box, using: key.key, authenticating: binding.associatedData))
        } catch {
            throw AppError(.internalError, "A \(binding.purpose) value does not open: it was altered or belongs to another row.")
        }
    }

    public func open(_ stored: String, for binding: SecretBinding) throws -> String {
        String(decoding: try open(Array(stored.utf8), for: binding), as: UTF8.self)
    }

    /// Whether `stored` is sealed under the current key (what `keel secrets rotate` leaves).
    public func isCurrent(_ stored: some Collection<UInt8>) -> Bool {
        Sealed(stored)?.keyID == keys[0].id
    }

    /// Whether `stored` is sealed at all (under any key).
    public static func isSealed(_ stored: some Collection<UInt8>) -> Bool { Sealed(stored) != nil }

    /// `ks1.<id>.<base64>`, taken apart.
    struct Sealed {
        let keyID: String
        let box: Data

        init?(_ stored: some Collection<UInt8>) {
            let text = String(decoding: stored, as: UTF8.self)
            guard text.hasPrefix(KeyRing.prefix) else { return nil }
            let parts = text.dropFirst(KeyRing.prefix.count).split(separator: ".", maxSplits: 1).map(String.init)
            // Nonce (12) and tag (16) at least: a raw secret that happens to begin "ks1." is not one.
            guard parts.count == 2, KeyRing.isKeyID(parts[0]),
                  let box = Data(base64Encoded: parts[1]), box.count >= 28 else { return nil }
            (keyID, self.box) = (parts[0], box)
        }
    }
}

/// What a sealed value belongs to, bound into it as associated data: the tenant (or the
/// platform), what it is (`accounts.totp`), and the row (a user id).
public struct SecretBinding: Sendable, Equatable {
    public let owner: String
    public let purpose: String
    public let row: String

    public init(tenant: TenantID?, purpose: String, row: String) {
        owner = tenant.map { "tenant:\($0.rawValue.lowercasedString)" } ?? "platform"
        self.purpose = purpose
        self.row = row
    }

    var associatedData: Data { Data("keel-secret\u{0}\(owner)\u{0}\(purpose)\u{0}\(row)".utf8) }
}

extension DatabasePool {
    /// The key ring, or a clear error where the pool was made without one.
    func keyRing() throws -> KeyRing { try secrets.required() }
}

extension Optional<KeyRing> {
    func required() throws -> KeyRing {
        guard let self else {
            throw AppError(.internalError, "No encryption keys: this database pool was made without KEEL_ENCRYPTION_KEYS.")
        }
        return self
    }
}

extension TenantTransaction {
    /// Seals `secret` bound to this transaction's tenant, `purpose` and `row`.
    public func seal(_ secret: some DataProtocol, purpose: String, row: String) throws -> String {
        try secrets.required().seal(secret, for: SecretBinding(tenant: tenantID, purpose: purpose, row: row))
    }

    /// Opens what `seal` made in this tenant (or a value stored before sealing, as it is).
    public func open(_ stored: some Collection<UInt8>, purpose: String, row: String) throws -> [UInt8] {
        try secrets.required().open(stored, for: SecretBinding(tenant: tenantID, purpose: purpose, row: row))
    }

    public func open(_ stored: String, purpose: String, row: String) throws -> String {
        try secrets.required().open(stored, for: SecretBinding(tenant: tenantID, purpose: purpose, row: row))
    }
}

extension PlatformTransaction {
    /// Seals `secret` for a platform row (no tenant), or for `tenant`'s row when the platform
    /// path writes on a tenant's behalf.
    public func seal(_ secret: some DataProtocol, tenant: TenantID? = nil, purpose: String, row: String) throws -> String {
        try secrets.required().seal(secret, for: SecretBinding(tenant: tenant, purpose: purpose, row: row))
    }

    public func open(_ stored: some Collection<UInt8>, tenant: TenantID? = nil, purpose: String, row: String) throws -> [UInt8] {
        try secrets.required().open(stored, for: SecretBinding(tenant: tenant, purpose: purpose, row: row))
    }

    public func open(_ stored: String, tenant: TenantID? = nil, purpose: String, row: String) throws -> String {
        try secrets.required().open(stored, for: SecretBinding(tenant: tenant, purpose: purpose, row: row))
    }
}
