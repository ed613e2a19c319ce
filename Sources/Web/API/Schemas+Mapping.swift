import AccountsAPI
import Foundation
import Kernel
import OpenAPIRuntime

extension Components.Schemas.User {
    init(_ user: User) {
        self.init(id: user.id.description, email: user.email, name: user.name,
                  role: Components.Schemas.Role(rawValue: user.role.rawValue) ?? .viewer,
                  status: Components.Schemas.UserStatus(rawValue: user.status.rawValue) ?? .deactivated,
                  version: user.version, createdAt: user.createdAt)
    }
}

extension Components.Schemas.Tenant {
    init(_ tenant: Tenant) {
        self.init(id: tenant.id.description, slug: tenant.slug, name: tenant.name, requireMfa: tenant.requireMFA,
                  version: tenant.version, createdAt: tenant.createdAt)
    }
}

extension Components.Schemas.AuditEvent {
    init(_ event: AuditEvent) throws {
        func object(_ json: String?) throws -> OpenAPIObjectContainer? {
            guard let json else { return nil }
            return try APIHandler.decoder.decode(OpenAPIObjectContainer.self, from: Data(json.utf8))
        }
        self.init(id: event.id.uuidString.lowercased(), action: event.action,
                  actorUserId: event.actorUserID?.description, target: event.target, requestId: event.requestID,
                  before: try object(event.before).map { .init(additionalProperties: $0) },
                  after: try object(event.after).map { .init(additionalProperties: $0) },
                  occurredAt: event.occurredAt)
    }
}

extension Components.Schemas.SessionResponse {
    init(_ session: NewSession) {
        self.init(token: session.token, tokenType: .bearer, expiresAt: session.expiresAt,
                  idleTimeoutSeconds: Int(session.idleTimeout.components.seconds), user: .init(session.user))
    }
}

extension Components.Schemas.Invitation {
    init(_ invitation: Invitation) {
        self.init(id: invitation.id.description, email: invitation.email,
                  role: Components.Schemas.Role(rawValue: invitation.role.rawValue) ?? .viewer,
                  state: Components.Schemas.InvitationState(rawValue: invitation.state.rawValue) ?? .expired,
                  expiresAt: invitation.expiresAt, createdAt: invitation.createdAt,
                  invitedBy: invitation.invitedBy.description, acceptedAt: invitation.acceptedAt,
                  revokedAt: invitation.revokedAt)
    }
}

extension Components.Schemas.APIKey {
    init(_ key: APIKey) {
        self.init(id: key.id.description, name: key.name, prefix: key.prefix,
                  permissions: key.permissions.compactMap { Components.Schemas.Permission(rawValue: $0.rawValue) },
                  createdBy: key.createdBy.description, createdAt: key.createdAt, lastUsedAt: key.lastUsedAt,
                  revokedAt: key.revokedAt)
    }
}
