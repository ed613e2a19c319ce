import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238, over HOTP, RFC 4226): HMAC-SHA1, 30-second steps,
/// 6 digits — what every authenticator app speaks.
///
/// Written here rather than taken from HummingbirdOTP: that takes the secret as a `String`
/// (random secret bytes are not text) and would bring two more packages for thirty lines.
struct TOTP {
    static let period: Int64 = 30
    let secret: Data
    var digits = 6

    /// A new 160-bit secret (RFC 4226 §4 recommends it).
    static func newSecret() -> Data { SecretToken.randomBytes(20) }

    static func step(at date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) / period }

    func code(atStep step: Int64) -> String {
        var counter = UInt64(step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The step whose code `code` is, allowing one step of clock drift either way, but only
    /// steps after `usedStep`: a code works once.
    func verify(_ code: String, at date: Date, after usedStep: Int64?) -> Int64? {
        guard code.count == digits, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else { return nil }
        let now = Self.step(at: date)
        for step in (now - 1)...(now + 1) where step > (usedStep ?? .min) {
            // Compare every candidate in full, matched or not, so timing says nothing.
            if constantTimeEqual(self.code(atStep: step), code) { return step }
        }
        return nil
    }

    /// `otpauth://totp/Issuer:account?secret=…&issuer=…` (the Key Uri Format apps read).
    func uri(issuer: String, account: String) -> String {
        var label = CharacterSet.urlPathAllowed
        label.remove(charactersIn: ":/?#@")
        let encodedIssuer = issuer.addingPercentEncoding(withAllowedCharacters: label) ?? "Keel"
        let encodedAccount = account.addingPercentEncoding(withAllowedCharacters: label) ?? ""
        return "otpauth://totp/\(encodedIssuer):\(encodedAccount)?secret=\(Base32.encode(secret))&issuer=\(encodedIssuer)"
            + "&algorithm=SHA1&digits=\(digits)&period=\(Self.period)"
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
