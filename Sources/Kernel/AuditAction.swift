/// A kind of audit entry a module writes. Each module declares its actions as one enum in its
/// `*API` target, so writers name a case (a typo does not compile) and the staff console reads
/// the same cases for its labels and filters (they cannot drift apart).
///
/// ```swift
/// public enum OrdersAuditAction: String, AuditAction {
///     case placed = "order.placed"
///     public var label: String { switch self { case .placed: "Order placed" } }
/// }
/// ```
///
/// The raw value is what `platform.audit_log.action` stores: `<record>.<verb in the past>`.
public protocol AuditAction: RawRepresentable<String>, CaseIterable, Sendable {
    /// What a person reads in the console: "User locked".
    var label: String { get }
}

/// The before/after of an audit entry: one flat JSON object, the same shape for every module.
/// Values keep their JSON types (a flag is `true`/`false`, a count a number), never a
/// string that spells them ("yes", "1").
///
/// ```swift
/// let after: AuditSnapshot = ["email": .string(user.email), "mfa": .bool(user.mfaEnabled), "version": .int(3)]
/// ```
public struct AuditSnapshot: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public enum Value: Sendable, Equatable, Encodable {
        case string(String)
        case int(Int)
        case bool(Bool)
        case null

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let value): try container.encode(value)
            case .int(let value): try container.encode(value)
            case .bool(let value): try container.encode(value)
            case .null: try container.encodeNil()
            }
        }
    }

    public var fields: [String: Value]

    public init(_ fields: [String: Value]) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, Value)...) {
        fields = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    /// The stored form: a JSON object with its keys sorted.
    public var json: String { AuditSnapshotJSON.encode(fields) }
}

extension AuditSnapshot.Value {
    /// A string, or JSON `null` for `nil`.
    public static func optional(_ value: String?) -> Self { value.map(Self.string) ?? .null }
}
