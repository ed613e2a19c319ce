public import Foundation
public import Kernel

/// Input for `AccountsService.logIn`.
public struct LogIn: Sendable, Equatable {
    public var tenantSlug: String
    public var email: String
    public var password: String
    /// Where the attempt came from (the client address): failures back off per source.
    public var source: String
    /// The client's `User-Agent`, shown in the session list.
    public var userAgent: String?
    public var requestID: String

    public init(tenantSlug: String, email: String, password: String, source: String, userAgent: String? = nil,
                requestID: String) {
        self.tenantSlug = tenantSlug
        self.email = email
        self.password = password
        self.source = source
        self.userAgent = userAgent
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

/// What a right password leads to: a session, or (with MFA on) a challenge to answer with a code.
public enum LogInOutcome: Sendable, Equatable {
    case session(NewSession)
    case mfaRequired(MFAChallenge)
}

/// The short-lived, single-use step between a password and an MFA code.
public struct MFAChallenge: Sendable, Equatable {
    public let token: String
    public let expiresAt: Date
    public init(token: String, expiresAt: Date) {
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// Input for `AccountsService.completeMFAChallenge`: the challenge and one of its answers.
public struct MFAChallengeAnswer: Sendable, Equatable {
    public enum Code: Sendable, Equatable {
        case totp(String)
        case recovery(String)
    }
    public var challengeToken: String
    public var code: Code
    public var requestID: String
    public init(challengeToken: String, code: Code, requestID: String) {
        self.challengeToken = challengeToken
        self.code = code
        self.requestID = requestID
    }
}

/// One of a person's sessions, as their session list shows it.
public struct SessionInfo: Sendable, Equatable {
    public let id: SessionID
    public let createdAt: Date
    public let lastSeenAt: Date
    public let expiresAt: Date
    public let userAgent: String?
    public let ipAddress: String?
    /// Support viewed the account as this person (live, or ended in the last 30 days).
    public let supportView: SupportView?
    public init(id: SessionID, createdAt: Date, lastSeenAt: Date, expiresAt: Date, userAgent: String?, ipAddress: String?,
                supportView: SupportView? = nil) {
        self.id = id
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
        self.userAgent = userAgent
        self.ipAddress = ipAddress
        self.supportView = supportView
    }
}

/// A staff member's "view as" of a person's account, as the person sees it.
public struct SupportView: Sendable, Equatable {
    public let staffName: String
    public let reason: String
    public let startedAt: Date
    public let endsAt: Date
    public let endedAt: Date?
    public let canChange: Bool
    public init(staffName: String, reason: String, startedAt: Date, endsAt: Date, endedAt: Date?, canChange: Bool) {
        self.staffName = staffName
        self.reason = reason
        self.startedAt = startedAt
        self.endsAt = endsAt
        self.endedAt = endedAt
        self.canChange = canChange
    }
}

/// A "view as" just started: the API token (shown once, to the staff member) and its time box.
public struct StartedImpersonation: Sendable, Equatable {
    public let token: String
    public let sessionID: SessionID
    public let endsAt: Date
    public let canWrite: Bool
    public init(token: String, sessionID: SessionID, endsAt: Date, canWrite: Bool) {
        self.token = token
        self.sessionID = sessionID
        self.endsAt = endsAt
        self.canWrite = canWrite
    }
}

extension AppError.Code {
    public static let sessionNotFound = Self("session_not_found", kind: .notFound)
    /// The MFA challenge is unknown, used, expired or out of attempts, or the code is wrong.
    public static let invalidMFACode = Self("invalid_mfa_code", kind: .unauthenticated)
}
