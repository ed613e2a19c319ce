public import Foundation
public import Kernel

/// One of the platform's own people. Staff belong to no tenant and sign in to the staff
/// console only.
public struct StaffMember: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable { case active, deactivated }

    public let id: StaffID
    public let email: String
    public let name: String
    public let role: StaffRole
    public let status: Status
    public let mfaEnabled: Bool
    /// Set until the first sign-in chose a password of their own.
    public let mustChangePassword: Bool
    public let version: Int
    public let createdAt: Date

    public init(id: StaffID, email: String, name: String, role: StaffRole, status: Status, mfaEnabled: Bool,
                mustChangePassword: Bool, version: Int, createdAt: Date) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.status = status
        self.mfaEnabled = mfaEnabled
        self.mustChangePassword = mustChangePassword
        self.version = version
        self.createdAt = createdAt
    }
}

/// A staff member with a one-time password, shown once to whoever created them.
public struct NewStaffMember: Sendable {
    public let member: StaffMember
    public let oneTimePassword: String
    public init(member: StaffMember, oneTimePassword: String) {
        self.member = member
        self.oneTimePassword = oneTimePassword
    }
}

/// A console session as a request finds it.
public struct StaffSession: Sendable, Equatable {
    /// How far sign-in got. Only `active` reaches the console; the others reach one page each.
    public enum Stage: String, Sendable { case mfa, setup, active }

    public let principal: StaffPrincipal
    public let stage: Stage
    /// The synchronizer token every form of this session carries.
    public let csrfToken: String

    public init(principal: StaffPrincipal, stage: Stage, csrfToken: String) {
        self.principal = principal
        self.stage = stage
        self.csrfToken = csrfToken
    }
}

/// A new session cookie value and where sign-in goes next.
public struct StaffSignIn: Sendable, Equatable {
    /// The bearer secret for the cookie; only its hash is stored.
    public let token: String
    public let stage: StaffSession.Stage
    public init(token: String, stage: StaffSession.Stage) {
        self.token = token
        self.stage = stage
    }
}

extension AppError.Code {
    public static let staffNotFound = Self("staff_not_found", kind: .notFound)
    public static let staffEmailTaken = Self("staff_email_taken", kind: .conflict)
    /// The change would leave the platform without an active admin.
    public static let lastAdmin = Self("last_admin", kind: .conflict)
}

/// An admin invited someone to the staff console. The email carries a one-time link (48
/// hours); its token travels sealed (`EmailedToken`, bound to `TenantID.platform` and the
/// address), and the event is the platform's own, published under `TenantID.platform`.
public struct StaffInvited: IntegrationEvent, Equatable {
    public static let eventType = "accounts.staff_invited.v1"
    public let staffID: StaffID
    public let email: String
    public let name: String
    public let role: StaffRole
    public let inviterName: String
    public let token: SealedSecret
    public let expiresAt: Date

    public init(staffID: StaffID, email: String, name: String, role: StaffRole, inviterName: String, token: SealedSecret,
                expiresAt: Date) {
        self.staffID = staffID
        self.email = email
        self.name = name
        self.role = role
        self.inviterName = inviterName
        self.token = token
        self.expiresAt = expiresAt
    }
}
