import Kernel
import Storage

extension TenantTransaction {
    /// An audit entry in this transaction: it exists exactly when the change does.
    func audit(_ action: String, actor: UserID?, target: String?, requestID: String, before: String? = nil,
               after: String? = nil) async throws {
        try await audit(AuditEvent(tenantID: tenantID, actorUserID: actor, action: action, target: target,
                                   requestID: requestID, before: before, after: after))
    }

    /// An audit entry for something `principal` did.
    func audit(_ action: String, by principal: Principal, target: String?, before: String? = nil,
               after: String? = nil) async throws {
        try await audit(action, actor: principal.userID, target: target, requestID: principal.requestID,
                        before: before, after: after)
    }
}
