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
        self.init(id: tenant.id.description, slug: tenant.slug, name: tenant.name, createdAt: tenant.createdAt)
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
