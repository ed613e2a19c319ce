import Foundation
public import Kernel

// What happened to a tenant's members, each event with the user as the API shows them (for
// webhooks: `data` is the user as `GET /v1/users/{id}` returns it).

/// Someone accepted an invitation and is now a member.
public struct UserJoined: IntegrationEvent, Equatable {
    public static let eventType = "accounts.user_joined.v1"
    public let tenantID: TenantID
    public let user: User
    public let invitationID: InvitationID

    public init(tenantID: TenantID, user: User, invitationID: InvitationID) {
        self.tenantID = tenantID
        self.user = user
        self.invitationID = invitationID
    }
}

/// A member was removed; `user` is as they were.
public struct UserRemoved: IntegrationEvent, Equatable {
    public static let eventType = "accounts.user_removed.v1"
    public let tenantID: TenantID
    public let user: User

    public init(tenantID: TenantID, user: User) {
        self.tenantID = tenantID
        self.user = user
    }
}

/// A member's role changed.
public struct UserRoleChanged: IntegrationEvent, Equatable {
    public static let eventType = "accounts.user_role_changed.v1"
    public let tenantID: TenantID
    public let user: User
    public let previousRole: Role

    public init(tenantID: TenantID, user: User, previousRole: Role) {
        self.tenantID = tenantID
        self.user = user
        self.previousRole = previousRole
    }
}

/// An event about one member, with the user as the API shows them.
public protocol MemberIntegrationEvent: IntegrationEvent {
    var tenantID: TenantID { get }
    var user: User { get }
}

extension UserJoined: MemberIntegrationEvent {}
extension UserRemoved: MemberIntegrationEvent {}
extension UserRoleChanged: MemberIntegrationEvent {}
