public import Foundation
public import Kernel

/// A customer organisation.
public struct Tenant: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case active, suspended }

    public let id: TenantID
    public let slug: String
    public let name: String
    public let status: Status
    public let version: Int
    public let createdAt: Date
    /// Every user must sign in with MFA; those without it enrol before anything else.
    public let requireMFA: Bool

    public init(id: TenantID, slug: String, name: String, status: Status, version: Int, createdAt: Date,
                requireMFA: Bool = false) {
        self.id = id
        self.slug = slug
        self.name = name
        self.status = status
        self.version = version
        self.createdAt = createdAt
        self.requireMFA = requireMFA
    }
}

/// A change to the tenant's settings.
public struct TenantChange: Sendable, Equatable {
    public var name: String?
    public var requireMFA: Bool?
    public init(name: String? = nil, requireMFA: Bool? = nil) {
        self.name = name
        self.requireMFA = requireMFA
    }
}

/// Input for `AccountsService.createTenant`; validated by the module.
public struct CreateTenant: Sendable, Equatable {
    public var slug: String
    public var name: String
    public init(slug: String, name: String) {
        self.slug = slug
        self.name = name
    }
}

extension AppError.Code {
    public static let slugTaken = Self("slug_taken", kind: .conflict)
}

extension AppError.Code {
    public static let tenantNotFound = Self("tenant_not_found", kind: .notFound)
}
