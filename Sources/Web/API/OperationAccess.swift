import Kernel

/// Who may call each operation of openapi.yaml. Every route group declares its permission
/// here, keyed by operation id, and the spec says the same in `x-permission` (WebTests
/// checks that the two agree for every operation, and walks role × operation).
enum OperationAccess: Equatable, Sendable {
    /// Anyone, signed in or not.
    case `public`
    /// Any signed-in user.
    case authenticated
    /// A signed-in user whose role has this permission.
    case permission(Permission)

    static let table: [String: OperationAccess] = [
        Operations.SignUp.id: .public,
        Operations.CreateSession.id: .public,
        Operations.DeleteCurrentSession.id: .authenticated,
        Operations.GetMe.id: .authenticated,
        Operations.ListUsers.id: .permission(.usersRead),
        Operations.GetUser.id: .permission(.usersRead),
        Operations.UpdateUser.id: .permission(.usersManage),
        Operations.DeleteUser.id: .permission(.usersManage),
        Operations.ListAuditEvents.id: .permission(.auditRead),
    ]

    /// As written in the spec's `x-permission`.
    var specValue: String {
        switch self {
        case .public: "public"
        case .authenticated: "authenticated"
        case .permission(let permission): permission.rawValue
        }
    }
}
