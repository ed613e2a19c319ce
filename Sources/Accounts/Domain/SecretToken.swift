import Crypto
import Foundation
import Kernel

/// Bearer secrets: session tokens, API keys, and the single-use tokens in emails. Each is 256
/// random bits from the system's CSPRNG in base64url behind a prefix that names its kind (so
/// secret scanners and people can tell them apart); only the SHA-256 is stored. The entropy
/// makes a fast hash enough: there is nothing to brute-force.
enum SecretToken {
    enum Kind: String {
        case session = "keel_"
        case apiKey = "keelk_"
        case verifyEmail = "keelv_"
        case resetPassword = "keelr_"
        case mfaChallenge = "keelc_"
        case invitation = "keeli_"
        /// The staff console's session cookie.
        case staffSession = "keela_"
        /// A console session's CSRF synchronizer token (never a credential on its own).
        case csrf = "keelx_"
    }

    /// A new secret of this kind and its hash.
    static func make(_ kind: Kind) -> (token: String, hash: [UInt8]) {
        let token = kind.rawValue + randomBytes(32).base64URLEncodedString()
        return (token, hash(token))
    }

    /// The shape a token of this kind has; anything else cannot match and skips the database.
    static func isWellFormed(_ token: String, _ kind: Kind) -> Bool {
        token.hasPrefix(kind.rawValue) && token.utf8.count == kind.rawValue.utf8.count + 43
            && token.utf8.allSatisfy(base64URL.contains)
    }

    static func hash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }

    private static let base64URL = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func randomBytes(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

/// Single-use MFA recovery codes: 80 random bits as 16 base32 characters in groups of four
/// (`abcd-efgh-ijkl-mnop`). Compared without case, spaces or dashes; stored as SHA-256.
enum RecoveryCode {
    static let count = 10

    static func make() -> [String] {
        (0..<count).map { _ in
            let characters = Array(Base32.encode(SecretToken.randomBytes(10)).lowercased())
            return stride(from: 0, to: 16, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
        }
    }

    static func hash(_ code: String) -> [UInt8] {
        let normalized = code.lowercased().filter { $0 != "-" && $0 != " " }
        return Array(SHA256.hash(data: Data(normalized.utf8)))
    }
}

/// RFC 4648 base32 without padding, as authenticator apps expect secrets.
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    static func encode(_ data: Data) -> String {
        var output = ""
        var buffer = 0
        var bits = 0
        for byte in data {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return output
    }

    /// The bytes of a base32 string (case-insensitive, no padding); `nil` if it is not base32.
    static func decode(_ text: String) -> Data? {
        var output = Data()
        var buffer = 0
        var bits = 0
        for character in text.uppercased() {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | value
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> (bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return output
    }
}
