import Foundation

/// Turns an `Encodable` model into a `TemplateValue` without going through JSON text.
/// `Date` stays a date (for the `date` filter) and `SafeHTML` stays safe.
public struct TemplateValueEncoder {
    public init() {}

    public func encode(_ value: some Encodable) throws -> TemplateValue {
        try Box.encode(value, codingPath: [])
    }

    /// A growable node: containers hand out boxes so nested encoders can fill them later.
    /// Values that are complete when encoded (strings, numbers, dates, whole nested models) are
    /// stored as they are; only a nested container gets a box of its own, resolved at the end.
    /// An object's members are kept in order and hashed once, into a dictionary made at its
    /// size (one grown member by member rehashed itself about four times per row of a list).
    final class Box {
        var value: TemplateValue = .null
        var members: [(key: String, element: Element)] = []
        var elements: [Element] = []
        enum Element {
            case value(TemplateValue), box(Box)

            var resolved: TemplateValue {
                switch self {
                case .value(let value): value
                case .box(let box): box.resolved
                }
            }
        }
        enum Shape { case single, keyed, unkeyed }
        var shape = Shape.single

        var resolved: TemplateValue {
            switch shape {
            case .single:
                return value
            case .keyed:
                var object = [String: TemplateValue](minimumCapacity: members.count)
                for member in members { object[member.key] = member.element.resolved }  // a key set twice: the last wins
                return .object(object)
            case .unkeyed:
                return .array(elements.map(\.resolved))
            }
        }

        /// A keyed member, complete.
        func set(_ key: String, _ value: TemplateValue) {
            members.append((key, .value(value)))
        }

        /// A keyed member that a nested encoder fills later.
        func nested(_ key: String) -> Box {
            let box = Box()
            members.append((key, .box(box)))
            return box
        }

        func nextElement() -> Box {
            let box = Box()
            elements.append(.box(box))
            return box
        }

        static func encode(_ value: some Encodable, codingPath: @autoclosure () -> [any CodingKey]) throws -> TemplateValue {
            if let special = special(value) { return special }
            let box = Box()
            try value.encode(to: Encoder(box: box, codingPath: codingPath()))
            return box.resolved
        }

        static func special(_ value: some Encodable) -> TemplateValue? {
            switch value {
            case let date as Date: .date(date)
            case let html as SafeHTML: .safeHTML(html)
            case let url as URL: .string(url.absoluteString)
            case let uuid as UUID: .string(uuid.uuidString.lowercased())
            case let decimal as Decimal: .string("\(decimal)")
            case let convertible as any TemplateValueConvertible: convertible.templateValue
            default: nil
            }
        }
    }

    struct Encoder: Swift.Encoder {
        let box: Box
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            box.shape = .keyed
            return KeyedEncodingContainer(Keyed<Key>(box: box, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            box.shape = .unkeyed
            return Unkeyed(box: box, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            Single(box: box, codingPath: codingPath)
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: Box
        let codingPath: [any CodingKey]

        func set(_ key: Key, _ value: TemplateValue) { box.set(key.stringValue, value) }
        mutating func encodeNil(forKey key: Key) throws { set(key, .null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { set(key, .bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { set(key, .string(value)) }
        mutating func encode(_ value: Double, forKey key: Key) throws { set(key, .double(value)) }
        mutating func encode(_ value: Float, forKey key: Key) throws { set(key, .double(Double(value))) }
        mutating func encode(_ value: Int, forKey key: Key) throws { set(key, .int(value)) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { set(key, .int(Int(value))) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { set(key, .int(Int(value))) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            set(key, try Box.encode(value, codingPath: codingPath + [key]))
        }
        // A nil optional is a present `nil`, not a missing name: strict rendering reports
        // misspelt names, and `| default:` handles the nil.
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            set(key, try value.map { try Box.encode($0, codingPath: codingPath + [key]) } ?? .null)
        }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { set(key, value.map(TemplateValue.string) ?? .null) }
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { set(key, value.map(TemplateValue.bool) ?? .null) }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { set(key, value.map(TemplateValue.int) ?? .null) }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { set(key, value.map { .int(Int($0)) } ?? .null) }
        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { set(key, value.map { .int(Int($0)) } ?? .null) }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { set(key, value.map(TemplateValue.double) ?? .null) }
        mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { set(key, value.map { .double(Double($0)) } ?? .null) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let child = box.nested(key.stringValue)
            child.shape = .keyed
            return KeyedEncodingContainer(Keyed<NestedKey>(box: child, codingPath: codingPath + [key]))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = box.nested(key.stringValue)
            child.shape = .unkeyed
            return Unkeyed(box: child, codingPath: codingPath + [key])
        }
        mutating func superEncoder() -> any Swift.Encoder { Encoder(box: box, codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Swift.Encoder { Encoder(box: box.nested(key.stringValue), codingPath: codingPath + [key]) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let box: Box
        let codingPath: [any CodingKey]
        var count: Int { box.elements.count }

        func append(_ value: TemplateValue) { box.elements.append(.value(value)) }
        mutating func encodeNil() throws { append(.null) }
        mutating func encode(_ value: Bool) throws { append(.bool(value)) }
        mutating func encode(_ value: String) throws { append(.string(value)) }
        mutating func encode(_ value: Double) throws { append(.double(value)) }
        mutating func encode(_ value: Int) throws { append(.int(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { append(try Box.encode(value, codingPath: codingPath)) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = box.nextElement()
            child.shape = .keyed
            return KeyedEncodingContainer(Keyed<NestedKey>(box: child, codingPath: codingPath))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = box.nextElement()
            child.shape = .unkeyed
            return Unkeyed(box: child, codingPath: codingPath)
        }
        mutating func superEncoder() -> any Swift.Encoder { Encoder(box: box.nextElement(), codingPath: codingPath) }
    }

    struct Single: SingleValueEncodingContainer {
        let box: Box
        let codingPath: [any CodingKey]
        mutating func encodeNil() throws { box.value = .null }
        mutating func encode(_ value: Bool) throws { box.value = .bool(value) }
        mutating func encode(_ value: String) throws { box.value = .string(value) }
        mutating func encode(_ value: Double) throws { box.value = .double(value) }
        mutating func encode(_ value: Float) throws { box.value = .double(Double(value)) }
        mutating func encode(_ value: Int) throws { box.value = .int(value) }
        mutating func encode(_ value: Int64) throws { box.value = .int(Int(value)) }
        mutating func encode(_ value: Int32) throws { box.value = .int(Int(value)) }
        mutating func encode(_ value: UInt) throws { box.value = .int(Int(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { box.value = try Box.encode(value, codingPath: codingPath) }
    }
}
