import AccountsAPI
import Foundation
import Kernel

/// What a new password must be (OWASP ASVS 6.2): at least 8 characters, at most 256 (so a
/// passphrase fits, and Argon2 is never fed megabytes), checked exactly as received — no
/// trimming, no normalisation — and not one of the 30,000 most common passwords.
struct PasswordPolicy: Sendable {
    static let minimumLength = 8
    static let maximumLength = 256

    let common: Set<String>

    /// The list shipped in Resources (see its README for provenance).
    static let standard = PasswordPolicy(common: loadCommonPasswords())

    func check(_ password: String, field: String) -> FieldError? {
        // Characters as JSON Schema counts them (code points), the same as the spec's minLength.
        let length = password.unicodeScalars.count
        if length < Self.minimumLength {
            return FieldError(field: field, code: AppError.Code.passwordTooShort.rawValue,
                              message: "The password must be at least \(Self.minimumLength) characters long.")
        }
        if length > Self.maximumLength {
            return FieldError(field: field, code: "password_too_long",
                              message: "The password must be at most \(Self.maximumLength) characters long.")
        }
        if common.contains(password) || common.contains(password.lowercased()) {
            return FieldError(field: field, code: AppError.Code.passwordTooCommon.rawValue,
                              message: "This password is one of the most commonly used ones; choose another.")
        }
        return nil
    }

    static func loadCommonPasswords() -> Set<String> {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            // The list ships with the binary; without it, refusing to start is better than
            // silently accepting "password123".
            fatalError("Accounts: Resources/common-passwords.txt is missing from the bundle")
        }
        return Set(text.split(whereSeparator: \.isNewline).map(String.init))
    }
}
