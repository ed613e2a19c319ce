import AccountsAPI
import Foundation
import Kernel
import OpenAPIRuntime

/// The same case on the other side of the edge: a domain value for the API's schema, or a
/// decoded request value for the domain. The spec and the domain list the same cases (the
/// generated decoder refuses any other with a 400), so a miss is a programming error: it
/// fails the request (500, with diagnostics) and is never mapped to some other case.
func schemaValue<Schema: RawRepresentable, Value: RawRepresentable>(_ value: Value) throws -> Schema
where Schema.RawValue == String, Value.RawValue == String {
    guard let mapped = Schema(rawValue: value.rawValue) else {
        throw AppError(.internalError, "A value could not be translated between the API and Keel.",
                       diagnostics: "\(Value.self) '\(value.rawValue)' has no case in \(Schema.self)")
    }
    return mapped
}

extension Components.Schemas.User {
    init(_ user: User) throws {
        self.init(id: user.id.description, email: user.email, name: user.name,
                  role: try schemaValue(user.role), status: try schemaValue(user.status),
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
        self.init(id: event.id.lowercasedString, action: event.action,
                  actorUserId: event.actorUserID?.description, target: event.target, requestId: event.requestID,
                  before: try object(event.before).map { .init(additionalProperties: $0) },
                  after: try object(event.after).map { .init(additionalProperties: $0) },
                  occurredAt: event.occurredAt)
    }
}

extension Components.Schemas.SessionResponse {
    init(_ session: NewSession) throws {
        self.init(token: session.token, tokenType: .bearer, expiresAt: session.expiresAt,
                  idleTimeoutSeconds: Int(session.idleTimeout.components.seconds), user: try .init(session.user))
    }
}

extension Components.Schemas.Invitation {
    init(_ invitation: Invitation) throws {
        self.init(id: invitation.id.description, email: invitation.email,
                  role: try schemaValue(invitation.role), state: try schemaValue(invitation.state),
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
