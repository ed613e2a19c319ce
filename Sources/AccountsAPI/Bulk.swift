public import Foundation
public import Kernel

/// A bulk action staff run from the tenants list or a tenant's users: a background job whose
/// every row is its own audited change.
public struct BulkJobID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

public enum BulkAction: String, Sendable, CaseIterable, Codable {
    case suspendTenants = "tenants.suspend"
    case reactivateTenants = "tenants.reactivate"
    case lockUsers = "users.lock"
    case unlockUsers = "users.unlock"
    case resendVerification = "users.resend_verification"

    /// What a staff member needs to run it: the same as for one row.
    public var permission: StaffPermission {
        switch self {
        case .suspendTenants, .reactivateTenants: .tenantsSuspend
        case .lockUsers, .unlockUsers, .resendVerification: .accountSupport
        }
    }

    public var onTenants: Bool { self == .suspendTenants || self == .reactivateTenants }

    /// "suspend 37 tenants".
    public func sentence(_ count: Int) -> String {
        let noun = onTenants ? (count == 1 ? "tenant" : "tenants") : (count == 1 ? "user" : "users")
        let verb = switch self {
        case .suspendTenants: "suspend"
        case .reactivateTenants: "reactivate"
        case .lockUsers: "lock"
        case .unlockUsers: "unlock"
        case .resendVerification: "send a new verification email to"
        }
        return "\(verb) \(count) \(noun)"
    }

    /// Whether the people told may be given the reason (a suspension, a lock).
    public var tellsPeople: Bool { self == .suspendTenants || self == .lockUsers }
}

/// Which rows: picked ones, or everything a filter matches when the job starts.
public enum BulkSelection: Sendable, Equatable {
    case tenants([TenantID])
    case tenantsMatching(TenantQuery)
    case users(TenantID, [UserID])
    case allUsers(TenantID)
}

/// The dry run: how many rows, and the first of them.
public struct BulkPreview: Sendable, Equatable {
    public let count: Int
    public let first: [String]
    public init(count: Int, first: [String]) {
        self.count = count
        self.first = first
    }
}

public struct BulkJob: Sendable, Equatable {
    public struct Failure: Sendable, Equatable {
        public let label: String
        public let error: String
        public init(label: String, error: String) {
            self.label = label
            self.error = error
        }
    }

    public let id: BulkJobID
    public let action: BulkAction
    public let reason: String
    public let staffEmail: String
    public let createdAt: Date
    public let finishedAt: Date?
    public let total: Int
    public let done: Int
    /// Rows that needed nothing (already suspended, already verified …).
    public let skipped: Int
    public let failed: Int
    public let failures: [Failure]

    public var pending: Int { total - done - skipped - failed }

    public init(id: BulkJobID, action: BulkAction, reason: String, staffEmail: String, createdAt: Date, finishedAt: Date?,
                total: Int, done: Int, skipped: Int, failed: Int, failures: [Failure]) {
        self.id = id
        self.action = action
        self.reason = reason
        self.staffEmail = staffEmail
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.total = total
        self.done = done
        self.skipped = skipped
        self.failed = failed
        self.failures = failures
    }
}

extension AppError.Code {
    public static let bulkJobNotFound = Self("bulk_job_not_found", kind: .notFound)
}
