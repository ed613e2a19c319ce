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
        /// The link in a staff invitation.
        case staffInvitation = "keelt_"
        /// A staff member's "view as" session: an API session as the user, told apart by its kind.
        case impersonation = "keelp_"
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

    /// The token's SHA-256, hashed from its UTF-8 in place (a `Data` made from the string first
    /// went through a generic initialiser on every authenticated request).
    static func hash(_ token: String) -> [UInt8] {
        var token = token
        var hasher = SHA256()
        token.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return Array(hasher.finalize())
    }

    private static let base64URL = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func randomBytes(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
