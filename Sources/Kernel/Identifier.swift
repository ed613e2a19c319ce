public import Foundation

/// A UUID-backed, typed identifier. Each entity gets its own type, so a `UserID` can never be
/// passed where a `TenantID` is expected.
///
/// ```swift
/// public struct OrderID: Identifier { public let rawValue: UUID; public init(rawValue: UUID) { self.rawValue = rawValue } }
/// ```
public protocol Identifier: Hashable, Sendable, Codable, CustomStringConvertible, LosslessStringConvertible {
    var rawValue: UUID { get }
    init(rawValue: UUID)
}

extension Identifier {
    /// A new, time-ordered (UUIDv7) identifier.
    public static func generate() -> Self { Self(rawValue: UUID.v7()) }

    public init?(_ description: String) {
        guard let uuid = UUID(parsing: description) else { return nil }
        self.init(rawValue: uuid)
    }

    public var description: String { rawValue.lowercasedString }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let uuid = UUID(parsing: try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Attempted to decode UUID from invalid UUID string.")
        }
        self.init(rawValue: uuid)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The customer organisation every tenant-owned row belongs to.
public struct TenantID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }

    /// The platform's own events and emails (a staff invitation), which belong to no customer:
    /// the nil UUID, never a tenant's (tenants get v7 ids), in the tenant-keyed outbox and mail
    /// queue so that they travel the same way as a tenant's.
    public static let platform = TenantID(rawValue: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
}

/// The id of an integration event, also the key subscribers record in their inbox.
public struct EventID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// A member of the platform's own staff (not a tenant user).
public struct StaffID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}
