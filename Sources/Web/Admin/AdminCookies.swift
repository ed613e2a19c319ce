import Foundation
import Hummingbird

/// The console's cookies. `__Host-` binds them to this exact origin (Secure, Path=/, no
/// Domain); SameSite=Strict keeps other sites' pages from sending them at all.
enum AdminCookies {
    /// The console session (a bearer secret: HttpOnly, never readable by script).
    static let session = "__Host-keel_admin"
    /// The sign-in form's CSRF token, before there is a session to hold one.
    static let signIn = "__Host-keel_login"

    static func make(_ name: String, value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: true, httpOnly: true, sameSite: .strict)
    }

    static func clear(_ name: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: true, httpOnly: true, sameSite: .strict)
    }

    /// Two secrets compared in time that does not depend on where they differ.
    static func equal(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count, !y.isEmpty else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
