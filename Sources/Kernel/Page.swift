public import Foundation

/// Which page of a list to read: at most `limit` items after the cursor.
///
/// Cursors are opaque to clients (base64url of the last item's id). Lists are ordered by
/// UUIDv7 ids, so a row inserted while a client pages is either before the cursor or on a
/// later page: never a duplicate, never a skip of an existing row.
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 20
    public static let maxLimit = 100

    public let limit: Int
    public let after: UUID?

    /// Validates `limit` (1...100, default 20) and decodes the cursor.
    public init(limit: Int?, startingAfter cursor: String?) throws {
        var errors: [FieldError] = []
        let limit = limit ?? Self.defaultLimit
        if !(1...Self.maxLimit).contains(limit) {
            errors.append(FieldError(field: "limit", code: "out_of_range", message: "limit must be between 1 and \(Self.maxLimit)."))
        }
        var after: UUID?
        if let cursor {
            after = Self.decode(cursor)
            if after == nil {
                errors.append(FieldError(field: "starting_after", code: "invalid_cursor",
                                         message: "starting_after must be a next_cursor returned by this list."))
            }
        }
        if !errors.isEmpty { throw AppError.validation(errors) }
        self.limit = limit
        self.after = after
    }

    public init(limit: Int = PageRequest.defaultLimit, after: UUID? = nil) {
        self.limit = limit
        self.after = after
    }

    public static func cursor(after id: UUID) -> String {
        Data(id.lowercasedString.utf8).base64URLEncodedString()
    }

    static func decode(_ cursor: String) -> UUID? {
        guard let data = Data(base64URLEncoded: cursor), let text = String(data: data, encoding: .utf8) else { return nil }
        return UUID(parsing: text)
    }
}

/// One page of a list.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let hasMore: Bool
    public let nextCursor: String?

    /// Makes a page from up to `limit + 1` rows: the extra row only says there is more.
    public init(fetched: [Item], limit: Int, id: (Item) -> UUID) {
        hasMore = fetched.count > limit
        items = Array(fetched.prefix(limit))
        nextCursor = hasMore ? items.last.map { PageRequest.cursor(after: id($0)) } : nil
    }

    /// The same, for lists whose order needs more than an id to continue from (a sort by name).
    public init(fetched: [Item], limit: Int, cursor: (Item) -> String) {
        hasMore = fetched.count > limit
        items = Array(fetched.prefix(limit))
        nextCursor = hasMore ? items.last.map(cursor) : nil
    }

    public func map<T>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), hasMore: hasMore, nextCursor: nextCursor)
    }

    init(items: [Item], hasMore: Bool, nextCursor: String?) {
        self.items = items
        self.hasMore = hasMore
        self.nextCursor = nextCursor
    }
}

extension Data {
    /// Reads base64url with or without padding (what `base64URLEncodedString` writes).
    public init?(base64URLEncoded text: String) {
        var base64 = text.utf8.map { byte in
            switch byte {
            case UInt8(ascii: "-"): UInt8(ascii: "+")
            case UInt8(ascii: "_"): UInt8(ascii: "/")
            default: byte
            }
        }
        while base64.count % 4 != 0 { base64.append(UInt8(ascii: "=")) }
        self.init(base64Encoded: Data(base64))
    }

    /// Base64url without padding (RFC 4648 §5): safe in URLs and headers as it is. Mapped byte
    /// by byte: Foundation's `replacingOccurrences`, three times, cost more than a page's cursor
    /// is worth (docs/benchmarks.md, S5).
    public func base64URLEncodedString() -> String {
        var url: [UInt8] = []
        for byte in base64EncodedData() {
            switch byte {
            case UInt8(ascii: "+"): url.append(UInt8(ascii: "-"))
            case UInt8(ascii: "/"): url.append(UInt8(ascii: "_"))
            case UInt8(ascii: "="): continue
            default: url.append(byte)
            }
        }
        return String(decoding: url, as: UTF8.self)
    }
}
