import Foundation
import Kernel
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    @Test("UUIDv7 carries version 7, the RFC variant, and the time in its first 48 bits")
    func v7Layout() {
        let now = Date(timeIntervalSince1970: 1_790_000_000.123)
        let id = UUID.v7(now: now)
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 7)
        #expect(bytes[8] >> 6 == 0b10)
        let millis = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(millis == 1_790_000_000_123)
    }

    @Test("UUIDv7s made later sort later")
    func v7Ordering() {
        let earlier = UUID.v7(now: Date(timeIntervalSince1970: 1_000))
        let later = UUID.v7(now: Date(timeIntervalSince1970: 1_001))
        #expect(earlier.uuidString < later.uuidString)
    }

    @Test("the lowercase form is uuidString.lowercased(), byte for byte")
    func lowercasedString() {
        for id in [UUID.random(), UUID.v7(), UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                   UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))] {
            #expect(id.lowercasedString == id.uuidString.lowercased())
        }
    }

    @Test("parsing accepts what UUID(uuidString:) accepts and reads the same UUID, but no whitespace")
    func parsing() {
        let valid = (0..<200).map { _ in UUID.random().uuidString } + (0..<50).map { _ in UUID.v7().lowercasedString }
            + ["00000000-0000-0000-0000-000000000000", "FFFFFFFF-ffff-FfFf-fFfF-ffffffffffff"]
        let invalid = ["", "not-a-uuid", "00000000-0000-0000-0000-00000000000", "00000000-0000-0000-0000-0000000000000",
                       "00000000000000000000000000000000", "00000000-0000-0000-0000_000000000000", "0000000-00000-0000-0000-000000000000",
                       "g0000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-00000000000é",
                       "{00000000-0000-0000-0000-000000000000}", "00000000-0000-0000-0000-000000000000 "]
        for text in valid + invalid {
            #expect(UUID(parsing: text) == UUID(uuidString: text), "\(text)")
        }
        // Foundation's `sscanf` (6.3.1) skips whitespace before a hex pair; an id with a space in it is not an id.
        #expect(UUID(parsing: " 0000000-0000-0000-0000-000000000000") == nil)
        for text in valid { #expect(UUID(parsing: text) != nil) }
        for text in invalid { #expect(UUID(parsing: text) == nil, "\(text)") }
        #expect(UUID(parsing: "x00000000-0000-0000-0000-000000000000x".dropFirst().dropLast()) != nil)
    }

    @Test("typed ids encode as lowercase strings and round-trip")
    func codable() throws {
        let id = TenantID.generate()
        let data = try JSONEncoder().encode(["id": id])
        #expect(String(decoding: data, as: UTF8.self) == #"{"id":"\#(id.description)"}"#)
        #expect(id.description == id.description.lowercased())
        #expect(try JSONDecoder().decode([String: TenantID].self, from: data)["id"] == id)
        #expect(TenantID("not-a-uuid") == nil)
        #expect(TenantID(id.description) == id)
    }

    @Test("an AppError's description carries diagnostics; its detail does not")
    func appError() {
        let error = AppError(.conflict, "Taken.", diagnostics: "unique violation on tenants_slug")
        #expect(error.detail == "Taken.")
        #expect(error.description.contains("tenants_slug"))
        #expect(error.code.kind == .conflict)
    }
}
