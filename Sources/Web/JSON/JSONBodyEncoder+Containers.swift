import Foundation

// The `Encoder` protocols over a `JSONOutput`: each write goes straight to its bytes.

struct StreamEncoder: Encoder {
    let output: JSONOutput
    let slot: Int
    /// Not tracked: an array per nested value would cost more than the encoding (nothing the
    /// generated types encode reads it).
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(StreamKeyedContainer<Key>(output: output, frame: output.open(object: true, slot: slot)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        StreamUnkeyedContainer(output: output, frame: output.open(object: false, slot: slot))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        StreamSingleValueContainer(output: output, slot: slot)
    }
}

/// A frame that could not be opened (`nil`) fails on the first write, where an error can be thrown.
private func checked(_ frame: (id: Int, depth: Int)?) throws -> (id: Int, depth: Int) {
    guard let frame else { throw JSONBodyEncoder.Unsupported() }
    return frame
}

struct StreamKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let output: JSONOutput
    let frame: (id: Int, depth: Int)?
    var codingPath: [any CodingKey] { [] }

    private func member(_ key: Key) throws {
        try output.beginMember(key: key, in: checked(frame))
    }

    mutating func encodeNil(forKey key: Key) throws { try member(key); output.writeNull() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try member(key); output.writeBool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { try member(key); output.writeString(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try member(key); try output.writeFloat(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try member(key); try output.writeFloat(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try member(key); output.writeInteger(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try member(key); output.writeInteger(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try member(key); output.writeInteger(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try member(key); output.writeInteger(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try member(key); output.writeInteger(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try member(key); output.writeInteger(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try member(key); output.writeInteger(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try member(key); output.writeInteger(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try member(key); output.writeInteger(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try member(key); output.writeInteger(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try member(key)
        try output.encodeNested(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = output.openNested(object: true, key: key, in: frame)
        return KeyedEncodingContainer(StreamKeyedContainer<NestedKey>(output: output, frame: nested))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = output.openNested(object: false, key: key, in: frame)
        return StreamUnkeyedContainer(output: output, frame: nested)
    }

    mutating func superEncoder() -> any Encoder { output.unsupportedEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { output.unsupportedEncoder() }
}

struct StreamUnkeyedContainer: UnkeyedEncodingContainer, ScalarWriting {
    let output: JSONOutput
    let frame: (id: Int, depth: Int)?
    var codingPath: [any CodingKey] { [] }
    var count: Int { frame.map { $0.depth < output.frames.count ? output.frames[$0.depth].count : 0 } ?? 0 }

    func beginValue() throws { try output.beginMember(key: nil, in: checked(frame)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try beginValue()
        try output.encodeNested(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = output.openNested(object: true, key: nil, in: frame)
        return KeyedEncodingContainer(StreamKeyedContainer<NestedKey>(output: output, frame: nested))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = output.openNested(object: false, key: nil, in: frame)
        return StreamUnkeyedContainer(output: output, frame: nested)
    }

    mutating func superEncoder() -> any Encoder { output.unsupportedEncoder() }
}

struct StreamSingleValueContainer: SingleValueEncodingContainer, ScalarWriting {
    let output: JSONOutput
    let slot: Int
    var codingPath: [any CodingKey] { [] }

    /// One value per single-value container, and not after a keyed or unkeyed one.
    func beginValue() throws {
        guard case .empty = output.slots[slot] else { throw JSONBodyEncoder.Unsupported() }
        output.slots[slot] = .single
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        // The value takes this slot: what it opens, the slot's owner closes.
        guard case .empty = output.slots[slot] else { throw JSONBodyEncoder.Unsupported() }
        if try output.writeSpecial(value) { output.slots[slot] = .single; return }
        try value.encode(to: StreamEncoder(output: output, slot: slot))
    }
}

/// The scalar writes of the unkeyed and single-value containers, whose requirements have the same
/// signatures: each begins its value (a separator; or the slot claimed), then writes it.
protocol ScalarWriting {
    var output: JSONOutput { get }
    func beginValue() throws
}

extension ScalarWriting {
    mutating func encodeNil() throws { try beginValue(); output.writeNull() }
    mutating func encode(_ value: Bool) throws { try beginValue(); output.writeBool(value) }
    mutating func encode(_ value: String) throws { try beginValue(); output.writeString(value) }
    mutating func encode(_ value: Double) throws { try beginValue(); try output.writeFloat(value) }
    mutating func encode(_ value: Float) throws { try beginValue(); try output.writeFloat(value) }
    mutating func encode(_ value: Int) throws { try beginValue(); output.writeInteger(value) }
    mutating func encode(_ value: Int8) throws { try beginValue(); output.writeInteger(value) }
    mutating func encode(_ value: Int16) throws { try beginValue(); output.writeInteger(value) }
    mutating func encode(_ value: Int32) throws { try beginValue(); output.writeInteger(value) }
    mutating func encode(_ value: Int64) throws { try beginValue(); output.writeInteger(value) }
    mutating func encode(_ value: UInt) throws { try beginValue(); output.writeInteger(value) }
    mutating func encode(_ value: UInt8) throws { try beginValue(); output.writeInteger(value) }
    mutating func encode(_ value: UInt16) throws { try beginValue(); output.writeInteger(value) }
    mutating func encode(_ value: UInt32) throws { try beginValue(); output.writeInteger(value) }
    mutating func encode(_ value: UInt64) throws { try beginValue(); output.writeInteger(value) }
}
