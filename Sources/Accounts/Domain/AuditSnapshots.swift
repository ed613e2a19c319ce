import AccountsAPI
import Kernel

// What an audit entry shows of each Accounts record before and after a change: one shape
// (`AuditSnapshot`), flags as booleans and versions as numbers, never a password hash or token.

extension User {
    var auditSnapshot: AuditSnapshot {
        ["email": .string(email), "name": .string(name), "role": .string(role.rawValue), "status": .string(status.rawValue),
         "locked": .bool(lockedAt != nil), "version": .int(version)]
    }
}

extension Tenant {
    var auditSnapshot: AuditSnapshot {
        ["slug": .string(slug), "name": .string(name), "status": .string(status.rawValue), "require_mfa": .bool(requireMFA),
         "version": .int(version)]
    }
}

extension StaffMember {
    var auditSnapshot: AuditSnapshot {
        ["email": .string(email), "role": .string(role.rawValue), "status": .string(status.rawValue), "version": .int(version)]
    }
}
