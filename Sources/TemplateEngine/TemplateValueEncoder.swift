import Foundation

/// Turns an `Encodable` model into a `TemplateValue` without going through JSON text.
/// `Date` stays a date (for the `date` filter) and `SafeHTML` stays safe.
public struct TemplateValueEncoder {
    public init() {}

    public func encode(_ value: some Encodable) throws -> TemplateValue {
        try Box.encode(value, codingPath: [])
    }

    /// A growable node: containers hand out boxes so nested encoders can fill them later.
    final class Box {
        var value: TemplateValue = .null
        var children: [String: Box] = [:]
        var elements: [Box] = []
        enum Shape { case single, keyed, unkeyed }
        var shape = Shape.single

        var resolved: TemplateValue {
            switch shape {
            case .single: value
            case .keyed: .object(children.mapValues(\.resolved))
            case .unkeyed: .array(elements.map(\.resolved))
            }
        }

        static func encode(_ value: some Encodable, codingPath: [any CodingKey]) throws -> TemplateValue {
            if let special = special(value) { return special }
            let box = Box()
            try value.encode(to: Encoder(box: box, codingPath: codingPath))
            return box.resolved
        }

        static func special(_ value: some Encodable) -> TemplateValue? {
            switch value {
            case let date as Date: .date(date)
            case let html as SafeHTML: .safeHTML(html)
            case let url as URL: .string(url.absoluteString)
            case let uuid as UUID: .string(uuid.uuidString.lowercased())
            case let decimal as Decimal: .string("\(decimal)")
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

        func child(_ key: Key) -> Box {
            let child = Box()
            box.children[key.stringValue] = child
            return child
        }
        mutating func encodeNil(forKey key: Key) throws { child(key).value = .null }
        mutating func encode(_ value: Bool, forKey key: Key) throws { child(key).value = .bool(value) }
        mutating func encode(_ value: String, forKey key: Key) throws { child(key).value = .string(value) }
        mutating func encode(_ value: Double, forKey key: Key) throws { child(key).value = .double(value) }
        mutating func encode(_ value: Float, forKey key: Key) throws { child(key).value = .double(Double(value)) }
        mutating func encode(_ value: Int, forKey key: Key) throws { child(key).value = .int(value) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { child(key).value = .int(Int(value)) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { child(key).value = .int(Int(value)) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            child(key).value = try Box.encode(value, codingPath: codingPath + [key])
        }
        // A nil optional is a present `nil`, not a missing name: strict rendering reports
        // misspelt names, and `| default:` handles the nil.
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            child(key).value = try value.map { try Box.encode($0, codingPath: codingPath + [key]) } ?? .null
        }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { child(key).value = value.map(TemplateValue.string) ?? .null }
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { child(key).value = value.map(TemplateValue.bool) ?? .null }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { child(key).value = value.map(TemplateValue.int) ?? .null }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { child(key).value = value.map { .int(Int($0)) } ?? .null }
        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { child(key).value = value.map { .int(Int($0)) } ?? .null }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { child(key).value = value.map(TemplateValue.double) ?? .null }
        mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { child(key).value = value.map { .double(Double($0)) } ?? .null }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let child = child(key)
            child.shape = .keyed
            return KeyedEncodingContainer(Keyed<NestedKey>(box: child, codingPath: codingPath + [key]))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = child(key)
            child.shape = .unkeyed
            return Unkeyed(box: child, codingPath: codingPath + [key])
        }
        mutating func superEncoder() -> any Swift.Encoder { Encoder(box: box, codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Swift.Encoder { Encoder(box: child(key), codingPath: codingPath + [key]) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let box: Box
        let codingPath: [any CodingKey]
        var count: Int { box.elements.count }

        func next() -> Box {
            let child = Box()
            box.elements.append(child)
            return child
        }
        mutating func encodeNil() throws { next().value = .null }
        mutating func encode(_ value: Bool) throws { next().value = .bool(value) }
        mutating func encode(_ value: String) throws { next().value = .string(value) }
        mutating func encode(_ value: Double) throws { next().value = .double(value) }
        mutating func encode(_ value: Int) throws { next().value = .int(value) }
        mutating func encode<T: Encodable>(_ value: T) throws { next().value = try Box.encode(value, codingPath: codingPath) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = next()
            child.shape = .keyed
            return KeyedEncodingContainer(Keyed<NestedKey>(box: child, codingPath: codingPath))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = next()
            child.shape = .unkeyed
            return Unkeyed(box: child, codingPath: codingPath)
        }
        mutating func superEncoder() -> any Swift.Encoder { Encoder(box: next(), codingPath: codingPath) }
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
