import Foundation
import OpenAPIRuntime
import PropertyBased
import Testing
import Web

/// `JSONBodyEncoder` writes the bytes Foundation's `JSONEncoder` writes with `.sortedKeys`, for
/// the shapes the generated types encode, and says so (`Unsupported`) where it cannot stream.
/// (Every `/v1` answer in the other tests is also checked against Foundation's encoder in debug
/// builds: `APIJSONCoder`.)
@Suite("JSON bodies: the streaming encoder writes Foundation's bytes")
struct JSONBodyEncoderTests {
    static let dates = APIDateTranscoder()
    static let streaming = JSONBodyEncoder { try JSONBodyEncoderTests.dates.encode($0) }
    static let foundation: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(try JSONBodyEncoderTests.dates.encode(date))
        }
        return encoder
    }()

    func expectSameBytes<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = String(decoding: try Self.foundation.encode(value), as: UTF8.self)
        let streamed = String(decoding: try Self.streaming.encode(value), as: UTF8.self)
        #expect(streamed == expected, sourceLocation: sourceLocation)
    }

    @Test("a page of users, as the generated types encode it: keys in schema order come out sorted")
    func page() throws {
        // given
        let users = (0..<50).map { index in
            Record(id: UUID().uuidString.lowercased(), email: "user\(index)@acme.example", name: "User \(index)",
                   role: index.isMultiple(of: 3) ? .admin : .member, version: index,
                   createdAt: Date(timeIntervalSince1970: 1_790_000_000 + Double(index) * 86_399.5),
                   note: index.isMultiple(of: 2) ? nil : "odd", tags: ["b": "2", "a": "1"], scores: [index, -index])
        }
        // then
        try expectSameBytes(Page(data: users, hasMore: true, nextCursor: "eyJpZCI6IjEyMyJ9/+="))
        try expectSameBytes(Page(data: [], hasMore: false, nextCursor: nil))
    }

    @Test("nested containers, merged parts, free-form objects, scalars at the top")
    func shapes() throws {
        try expectSameBytes(Shapes())
        try expectSameBytes(Merged())
        let nested: [String: (any Sendable)?] = ["nested": [true, false], "list": [1, "two", 3.5] as [any Sendable]]
        let freeForm = try OpenAPIObjectContainer(unvalidatedValue: ["zeta": 1, "alpha": nested, "mid": "x/y", "none": nil])
        try expectSameBytes(freeForm)
        try expectSameBytes(["b": [1], "a": [2], "c": []])
        try expectSameBytes("a \"quoted\" / value")
        try expectSameBytes(42)
        try expectSameBytes([Int?.none, 1])
        try expectSameBytes([Nothing()])
        try expectSameBytes(Record.Role.admin)
        try expectSameBytes(Date(timeIntervalSince1970: 0))
    }

    @Test("property: any strings, numbers and keys come out as Foundation writes them")
    func property() async {
        let text = Gen.oneOf(Gen.ascii, Gen.latin1, Gen.character(in: "\u{100}"..."\u{D7FF}"), Gen.character(in: "\u{E000}"..."\u{FFFD}"),
                             Gen.character(in: "\u{1F600}"..."\u{1F64F}")).string(of: 0...24)
        let number = Gen.oneOf(Gen.double(in: -1e12...1e12), Gen.double(in: -1...1), Gen.int(in: -1_000...1_000).map(Double.init))
        await propertyCheck(count: 300, input: text, text, Gen.int(), number, Gen.bool, text.array(of: 0...6)) {
            first, second, integer, double, flag, keys in
            // given
            let record = Record(id: first, email: second, name: first + second, role: flag ? .admin : .member, version: integer,
                                createdAt: Date(timeIntervalSince1970: double), note: flag ? nil : second,
                                tags: Dictionary(keys.map { ($0, $0 + first) }, uniquingKeysWith: { a, _ in a }),
                                scores: [integer, Int(double.rounded(.towardZero))])
            // then
            try expectSameBytes(record)
            try expectSameBytes(Synthesized(value: double, text: first))
        }
    }

    @Test("what cannot stream is refused, for Foundation's encoder to write")
    func unsupported() throws {
        #expect(throws: JSONBodyEncoder.Unsupported.self) { try Self.streaming.encode(SuperEncoding()) }
        #expect(throws: JSONBodyEncoder.Unsupported.self) { try Self.streaming.encode(KeyTwice()) }
        #expect(throws: JSONBodyEncoder.Unsupported.self) { try Self.streaming.encode([Double.nan]) }
        #expect(throws: JSONBodyEncoder.Unsupported.self) { try Self.streaming.encode(Interleaved()) }
    }
}

// MARK: - Values shaped like the generated types

/// Like a generated schema type: coding keys in the schema's order, optionals with `encodeIfPresent`.
private struct Record: Encodable {
    enum Role: String, Encodable { case admin, member }
    var id: String
    var email: String
    var name: String
    var role: Role
    var version: Int
    var createdAt: Date
    var note: String?
    var tags: [String: String]
    var scores: [Int]

    enum CodingKeys: String, CodingKey {
        case id, email, name, role, version, createdAt = "created_at", note, tags, scores
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(email, forKey: .email)
        try container.encode(name, forKey: .name)
        try container.encode(role, forKey: .role)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encodeIfPresent(note, forKey: .note)
        try container.encode(tags, forKey: .tags)
        try container.encode(scores, forKey: .scores)
    }
}

private struct Page: Encodable {
    var data: [Record]
    var hasMore: Bool
    var nextCursor: String?
    enum CodingKeys: String, CodingKey { case data, hasMore = "has_more", nextCursor = "next_cursor" }
}

/// Nested containers from keyed and unkeyed ones, written to after their siblings.
private struct Shapes: Encodable {
    enum Key: String, CodingKey { case zulu, alpha, list, object, empty, data, url, decimal, float, big, small }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode("z", forKey: .zulu)
        var object = container.nestedContainer(keyedBy: Key.self, forKey: .object)
        try object.encode(2, forKey: .zulu)
        try object.encodeNil(forKey: .alpha)
        var list = container.nestedUnkeyedContainer(forKey: .list)
        try list.encode(true)
        var inner = list.nestedUnkeyedContainer()
        try inner.encode(Int8(-8))
        var innerObject = list.nestedContainer(keyedBy: Key.self)
        try innerObject.encode(UInt64.max, forKey: .big)
        try list.encode("after")
        _ = container.nestedUnkeyedContainer(forKey: .empty)
        try container.encode(Data([0, 1, 2, 250, 255]), forKey: .data)
        try container.encode(URL(string: "https://example.com/a?b=c")!, forKey: .url)
        try container.encode(Decimal(string: "12.345")!, forKey: .decimal)
        try container.encode(Float(0.1), forKey: .float)
        try container.encode(Int64.min, forKey: .small)
        try container.encode(1.0, forKey: .alpha)
    }
}

/// An `allOf`: two parts encoded into one encoder make one object.
private struct Merged: Encodable {
    struct Part: Encodable { var b = 1; var a = "x" }
    func encode(to encoder: any Encoder) throws {
        try Part().encode(to: encoder)
        try Record(id: "i", email: "e", name: "n", role: .member, version: 1, createdAt: Date(timeIntervalSince1970: 86_400),
                   note: nil, tags: [:], scores: []).encode(to: encoder)
    }
}

/// With the conformance the compiler writes.
private struct Synthesized: Encodable {
    var value: Double
    var text: String
}

/// Encodes nothing: nested, an empty object.
private struct Nothing: Encodable {
    func encode(to encoder: any Encoder) throws {}
}

private struct SuperEncoding: Encodable {
    enum Key: CodingKey { case a }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        var single = container.superEncoder().singleValueContainer()
        try single.encode(1)
    }
}

private struct KeyTwice: Encodable {
    enum Key: CodingKey { case a }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(1, forKey: .a)
        try container.encode(2, forKey: .a)
    }
}

/// Two nested containers written to in turn: a tree can follow that, a stream cannot.
private struct Interleaved: Encodable {
    enum Key: CodingKey { case a, b }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        var first = container.nestedUnkeyedContainer(forKey: .a)
        var second = container.nestedUnkeyedContainer(forKey: .b)
        try second.encode(1)
        try first.encode(2)
    }
}
