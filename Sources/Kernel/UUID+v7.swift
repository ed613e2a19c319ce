public import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

extension UUID {
    /// A version 7 UUID (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits.
    /// Time-ordered ids keep B-tree inserts at the right edge of the index and make
    /// cursor pagination by id follow creation order. The machine's time, not the injected
    /// clock: an id orders rows by when they were really written, which a test that moves
    /// its clock must not disturb.
    public static func v7(now: Date = SystemClock().now) -> UUID {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var uuid = randomBytes()
        withUnsafeMutableBytes(of: &uuid) { bytes in
            for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (40 - 8 * UInt64(i))) }
            bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
            bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC variant
        }
        return UUID(uuid: uuid)
    }
}

extension UUID {
    /// A version 4 (random) UUID: one `getrandom` draw (Foundation's `UUID()` on Linux opens and
    /// reads `/dev/urandom` on every call).
    public static func random() -> UUID {
        var uuid = randomBytes()
        withUnsafeMutableBytes(of: &uuid) { bytes in
            bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
            bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC variant
        }
        return UUID(uuid: uuid)
    }

    /// Sixteen random bytes in one draw (`arc4random_buf`: glibc's is `getrandom`, one system
    /// call at most). A draw per byte, or per eight (`SystemRandomNumberGenerator.next()`), was
    /// a system call each: sixteen per UUIDv7, two per request id.
    private static func randomBytes() -> uuid_t {
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { bytes in
            arc4random_buf(bytes.baseAddress!, bytes.count)
        }
        return uuid
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
