import Foundation
internal import PostgresPipeline

/// PostgreSQL's binary wire formats for the types Keel binds and reads (the driver sends and
/// receives everything binary): big-endian integers, 16-byte UUIDs, timestamps as microseconds
/// since 2000-01-01, and one-dimensional arrays.
enum Binary {
    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    static func bytes(_ uuid: UUID) -> [UInt8] { withUnsafeBytes(of: uuid.uuid) { Array($0) } }

    /// PostgreSQL's epoch, 2000-01-01 00:00:00 UTC.
    static let epoch = Date(timeIntervalSince1970: 946_684_800)

    /// Microseconds since PostgreSQL's epoch, truncated as PostgreSQL stores them (`Date.asStored`).
    static func microseconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince(epoch) * 1_000_000) }

    static func integer<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, as: T.Type = T.self) -> T? {
        guard bytes.count == MemoryLayout<T>.size else { return nil }
        var value: T = 0
        for byte in bytes { value = value << 8 | T(byte) }
        return value
    }

    static func uuid(_ bytes: ArraySlice<UInt8>) -> UUID? {
        guard bytes.count == 16 else { return nil }
        return bytes.withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }  // no copy to an array first
    }

    /// A one-dimensional array without NULLs: ndim 1, no null bitmap, the element type, the
    /// length and lower bound 1, then each element's length and bytes.
    static func array(of elementType: UInt32, _ elements: [[UInt8]]) -> [UInt8] {
        var out = bigEndian(Int32(elements.isEmpty ? 0 : 1)) + bigEndian(Int32(0)) + bigEndian(elementType)
        guard !elements.isEmpty else { return out }
        out += bigEndian(Int32(elements.count)) + bigEndian(Int32(1))
        for element in elements { out += bigEndian(Int32(element.count)) + element }
        return out
    }

    /// The elements of a one-dimensional array without NULLs; `nil` if it is anything else.
    static func arrayElements(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>]? {
        var rest = bytes
        func int32() -> Int32? {
            guard rest.count >= 4, let value = integer(rest.prefix(4), as: Int32.self) else { return nil }
            rest = rest.dropFirst(4)
            return value
        }
        guard let dimensions = int32(), int32() != nil, int32() != nil else { return nil }
        if dimensions == 0 { return [] }
        guard dimensions == 1, let count = int32(), count >= 0, int32() != nil else { return nil }
        var elements: [ArraySlice<UInt8>] = []
        elements.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = int32(), length >= 0, rest.count >= Int(length) else { return nil }
            elements.append(rest.prefix(Int(length)))
            rest = rest.dropFirst(Int(length))
        }
        return elements
    }

    /// `numeric` in binary: digit count, weight, sign, display scale, then base-10000 digits.
    static func numeric(_ bytes: ArraySlice<UInt8>) -> Double? {
        let words = stride(from: bytes.startIndex, to: bytes.endIndex, by: 2).map { i -> Int16? in
            i + 1 < bytes.endIndex ? integer(bytes[i...i + 1], as: Int16.self) : nil
        }
        guard words.count >= 4, let count = words[0], let weight = words[1], let sign = words[2], words.count == 4 + Int(count)
        else { return nil }
        if sign == Int16(bitPattern: 0xC000) { return .nan }
        var value = 0.0
        for (i, digit) in words[4...].enumerated() {
            guard let digit else { return nil }
            value += Double(digit) * pow(10_000, Double(Int(weight) - i))
        }
        return sign == 0x4000 ? -value : value
    }
}
