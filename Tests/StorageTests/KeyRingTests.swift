import Foundation
import Kernel
import Storage
import Testing

/// The key ring on its own: what seals opens only with the same binding and a key the ring
/// holds; values written before sealing read as they are.
@Suite("Secrets: the key ring")
struct KeyRingTests {
    static let old = "old:" + Data(repeating: 1, count: 32).base64EncodedString()
    static let new = "new:" + Data(repeating: 2, count: 32).base64EncodedString()
    static let tenant = TenantID.generate()
    static let binding = SecretBinding(tenant: tenant, purpose: "accounts.totp", row: "user-1")

    @Test("seals under the first key; opens with the same binding only")
    func sealAndOpen() throws {
        let ring = try KeyRing(parsing: "\(Self.new),\(Self.old)")
        let sealed = ring.seal(Array("JBSWY3DPEHPK3PXP".utf8), for: Self.binding)
        #expect(sealed.hasPrefix("ks1.new.") && !sealed.contains("JBSWY3DP"))
        #expect(ring.seal(Array("x".utf8), for: Self.binding) != ring.seal(Array("x".utf8), for: Self.binding), "a fresh nonce each time")
        #expect(try ring.open(Array(sealed.utf8), for: Self.binding) == Array("JBSWY3DPEHPK3PXP".utf8))
        #expect(ring.isCurrent(Array(sealed.utf8)))
        // Copied to another tenant's row, another row, or another column: it does not open.
        for other in [SecretBinding(tenant: .generate(), purpose: "accounts.totp", row: "user-1"),
                      SecretBinding(tenant: nil, purpose: "accounts.totp", row: "user-1"),
                      SecretBinding(tenant: Self.tenant, purpose: "accounts.totp", row: "user-2"),
                      SecretBinding(tenant: Self.tenant, purpose: "notifications.webhook_endpoint.secret", row: "user-1")] {
            #expect(throws: AppError.self) { try ring.open(Array(sealed.utf8), for: other) }
        }
        // Altered by one character: refused, not garbage.
        var altered = Array(sealed.utf8)
        altered[altered.count - 3] = altered[altered.count - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: AppError.self) { try ring.open(altered, for: Self.binding) }
    }

    @Test("an older key still opens; a ring without it does not; rotation's test is isCurrent")
    func olderKeys() throws {
        let before = try KeyRing(parsing: Self.old)
        let sealed = Array(before.seal(Array("secret".utf8), for: Self.binding).utf8)
        let after = try KeyRing(parsing: "\(Self.new),\(Self.old)")
        #expect(try after.open(sealed, for: Self.binding) == Array("secret".utf8))
        #expect(!after.isCurrent(sealed) && before.isCurrent(sealed))
        let withoutOld = try KeyRing(parsing: Self.new)
        let error = #expect(throws: AppError.self) { try withoutOld.open(sealed, for: Self.binding) }
        #expect(error?.detail.contains("'old'") == true)
    }

    @Test("values stored before sealing read as they are, raw bytes included")
    func legacy() throws {
        let ring = try KeyRing(parsing: Self.new)
        #expect(try ring.open("whsec_abc", for: Self.binding) == "whsec_abc")
        let raw: [UInt8] = Array("ks1.".utf8) + (0..<16).map { UInt8($0) }  // 20 raw bytes that happen to start "ks1."
        #expect(try ring.open(raw, for: Self.binding) == raw)
        #expect(!KeyRing.isSealed(raw) && !ring.isCurrent(raw))
    }

    @Test("KEEL_ENCRYPTION_KEYS mistakes are named", arguments: [
        "", "nokey", "a b:" + Data(count: 32).base64EncodedString(), "k:short", "k:" + Data(count: 16).base64EncodedString(),
        "k:\(Data(count: 32).base64EncodedString()),k:\(Data(count: 32).base64EncodedString())",
    ])
    func badSpecs(_ spec: String) {
        #expect(throws: AppError.self) { try KeyRing(parsing: spec) }
    }

    @Test("a new key entry parses, and is 32 random bytes")
    func newKey() throws {
        let entry = KeyRing.newKeyEntry(id: "k20261205")
        let ring = try KeyRing(parsing: entry)
        #expect(ring.currentKeyID == "k20261205" && entry != KeyRing.newKeyEntry(id: "k20261205"))
    }
}
