public import Foundation

extension UUID {
    /// A version 7 UUID (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits.
    /// Time-ordered ids keep B-tree inserts at the right edge of the index and make
    /// cursor pagination by id follow creation order. The machine's time, not the injected
    /// clock: an id orders rows by when they were really written, which a test that moves
    /// its clock must not disturb.
    public static func v7(now: Date = SystemClock().now) -> UUID {
        var generator = SystemRandomNumberGenerator()
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (40 - 8 * UInt64(i))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

extension UUID {
    /// A version 4 (random) UUID from the system generator. Foundation's `UUID()` on Linux
    /// opens and reads `/dev/urandom` on every call; this is one `getrandom`-backed draw.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

extension UUID {
    /// The canonical lowercase form (`0190f3b2-…`), as `lowercasedString` spells it,
    /// written straight into one string: ids are formatted on every answer that names a row.
    public var lowercasedString: String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            withUnsafeBytes(of: uuid) { bytes in
                var at = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        buffer[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    buffer[at] = Self.hexDigit(byte >> 4)
                    buffer[at + 1] = Self.hexDigit(byte & 0x0F)
                    at += 2
                }
            }
            return 36
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

extension UUID {
    /// Parses the canonical form (`0190f3b2-…`, 36 characters, either case), as
    /// `UUID(uuidString:)` does, without its `sscanf`: an id is parsed on most requests (a path,
    /// a cursor, an id in a body), and `sscanf` was most of the cost.
    public init?(parsing text: some StringProtocol) {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &bytes) { bytes -> Bool in
            var index = 0, high: UInt8?
            var position = 0
            for character in text.utf8 {
                defer { position += 1 }
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard character == UInt8(ascii: "-") else { return false }
                    continue
                }
                guard index < 16, let nibble = Hex.value(character) else { return false }
                if let first = high {
                    bytes[index] = first << 4 | nibble
                    (index, high) = (index + 1, nil)
                } else {
                    high = nibble
                }
            }
            return position == 36 && index == 16
        }
        guard parsed else { return nil }
        self.init(uuid: bytes)
    }
}
