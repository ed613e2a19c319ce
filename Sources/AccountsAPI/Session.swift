public import Foundation
public import Kernel

/// Input for `AccountsService.logIn`.
public struct LogIn: Sendable, Equatable {
    public var tenantSlug: String
    public var email: String
    public var password: String
    /// Where the attempt came from (the client address): failures back off per source.
    public var source: String
    public var requestID: String

    public init(tenantSlug: String, email: String, password: String, source: String, requestID: String) {
        self.tenantSlug = tenantSlug
        self.email = email
        self.password = password
        self.source = source
        self.requestID = requestID
    }
}

/// A new login. `token` is shown once: only its hash is stored.
public struct NewSession: Sendable, Equatable {
    public let token: String
    public let expiresAt: Date
    public let idleTimeout: Duration
    public let user: User

    public init(token: String, expiresAt: Date, idleTimeout: Duration, user: User) {
        self.token = token
        self.expiresAt = expiresAt
        self.idleTimeout = idleTimeout
        self.user = user
    }
}

extension AppError.Code {
    /// One answer for unknown tenant, unknown email, wrong password, deactivated or throttled
    /// account: the caller cannot tell which.
    public static let invalidCredentials = Self("invalid_credentials", kind: .unauthenticated)
}
