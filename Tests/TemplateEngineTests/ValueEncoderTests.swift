import Foundation
import TemplateEngine
import Testing

@Suite("The model encoder")
struct ValueEncoderTests {
    struct Line: Encodable { let code: String; let quantity: Int }
    struct Page: Encodable {
        let title: String
        let count: Int
        let ratio: Double
        let shown: Bool
        let note: String?
        let at: Date
        let id: UUID
        let lines: [Line]
        let tags: [String]
        let nested: [[Int]]
    }

    /// A hand-written `encode(to:)` with nested containers, a super encoder and a key written
    /// twice (the last wins, as in JSON).
    struct Custom: Encodable {
        enum Keys: String, CodingKey { case a, b, c, d }
        enum Inner: String, CodingKey { case x }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(1, forKey: .a)
            var inner = container.nestedContainer(keyedBy: Inner.self, forKey: .b)
            try inner.encode("deep", forKey: .x)
            var list = container.nestedUnkeyedContainer(forKey: .c)
            try list.encode(true)
            var element = list.nestedContainer(keyedBy: Inner.self)
            try element.encode(2, forKey: .x)
            try list.encodeNil()
            try container.encode("first", forKey: .d)
            var replaced = container.nestedContainer(keyedBy: Inner.self, forKey: .d)
            try replaced.encode("second", forKey: .x)
            try container.encode(3, forKey: .a)
        }
    }

    @Test("a model becomes the values its template reads: nested models, lists, a nil kept as nil, dates as dates, ids in lowercase")
    func model() throws {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let id = UUID(uuidString: "0190F3B2-7C4A-7000-8000-00000000ABCD")!
        let page = Page(title: "Orders", count: 2, ratio: 0.5, shown: true, note: nil, at: at, id: id,
                        lines: [Line(code: "seat", quantity: 3), Line(code: "pack", quantity: 1)],
                        tags: ["a", "b"], nested: [[1], []])
        let value = try TemplateValueEncoder().encode(page)
        #expect(value == .object([
            "title": .string("Orders"), "count": .int(2), "ratio": .double(0.5), "shown": .bool(true), "note": .null,
            "at": .date(at), "id": .string("0190f3b2-7c4a-7000-8000-00000000abcd"),
            "lines": .array([.object(["code": .string("seat"), "quantity": .int(3)]),
                             .object(["code": .string("pack"), "quantity": .int(1)])]),
            "tags": .array([.string("a"), .string("b")]),
            "nested": .array([.array([.int(1)]), .array([])]),
        ]))
    }

    @Test("hand-written encoders: nested containers are filled after they are made, and the last write of a key wins")
    func custom() throws {
        let value = try TemplateValueEncoder().encode(Custom())
        #expect(value == .object([
            "a": .int(3),
            "b": .object(["x": .string("deep")]),
            "c": .array([.bool(true), .object(["x": .int(2)]), .null]),
            "d": .object(["x": .string("second")]),
        ]))
    }

    /// A model that makes its own value; the encoder's walk would give it other names.
    struct Made: TemplateValueConvertible {
        let code: String
        var templateValue: TemplateValue { ["label": .string(code.uppercased()), "code": .string(code), "label ": nil] }
    }

    struct Holder: Encodable {
        let one: Made
        let many: [Made]
        let none: [Made]
        let maybe: Made?
    }

    @Test("a convertible model, alone, in a list or optional, is taken as it makes itself; a repeated literal key keeps the last")
    func convertible() throws {
        let value = try TemplateValueEncoder().encode(Holder(one: Made(code: "a"), many: [Made(code: "b"), Made(code: "c")],
                                                             none: [], maybe: Made(code: "d")))
        func made(_ code: String) -> TemplateValue {
            .object(["label": .string(code.uppercased()), "code": .string(code), "label ": .null])
        }
        #expect(value == .object(["one": made("a"), "many": .array([made("b"), made("c")]), "none": .array([]), "maybe": made("d")]))
        // the list itself is convertible (made without the encoder's walk), and a record equals
        // the same fields written as an object, also inside a list
        #expect(([Made(code: "b")] as Any) is any TemplateValueConvertible)
        #expect([Made(code: "b"), Made(code: "c")].templateValue == .array([made("b"), made("c")]))
        #expect(TemplateValue.array([made("b")]) == .array([["label": "B", "code": "b", "label ": nil]]))
        #expect(TemplateRecord(names: ["k", "k"], values: [1, 2])["k"] == .int(2), "a repeated name: the last, as in its fields")
        let repeated: TemplateValue = ["k": 1, "k": 2]
        #expect(repeated == .object(["k": .int(2)]))
    }
}
