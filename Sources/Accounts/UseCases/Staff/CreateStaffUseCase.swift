import AccountsAPI
import Kernel
import PasswordHashing
import Storage

/// A new staff member with a one-time password, replaced at their first sign-in. `actor` is
/// `nil` for the operator's command (`keel staff create`), which bootstraps the first admin.
struct CreateStaffUseCase {
    let platform: PlatformDatabase
    let hasher: PasswordHasher

    func callAsFunction(email: String, name: String, role: StaffRole, by actor: StaffPrincipal?) async throws -> NewStaffMember {
        try actor?.require(.staffManage)
        let valid = try UserFields.collect([UserFields.email(email, field: "email"),
                                            UserFields.name(name.isEmpty ? "Staff" : name, field: "name")])
        let (validEmail, validName) = (valid[0], valid[1])
        let oneTimePassword = Self.oneTimePassword()
        let hash = try await hasher.hash(oneTimePassword)
        let member = try await platform.platform("create staff") { tx in
            guard let member = try await StaffRows.insert(id: .generate(), email: validEmail, name: validName, role: role,
                                                          passwordHash: hash, in: tx) else {
                throw AppError(.staffEmailTaken, "A staff member with that email address exists already.")
            }
            try await tx.audit(.staffCreated, staff: actor?.staffID, target: "staff/\(member.id)",
                               requestID: actor?.requestID ?? "keel staff create", after: member.auditSnapshot)
            return member
        }
        return NewStaffMember(member: member, oneTimePassword: oneTimePassword)
    }

    /// 100 random bits, base32: typed once by hand, then replaced at the first sign-in.
    static func oneTimePassword() -> String { Base32.encode(SecretToken.randomBytes(13)).lowercased() }
}
