import Crypto
import Foundation
import Kernel

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
