import Foundation
import Kernel
import Testing

@Suite("Base64url (RFC 4648 §5), as page cursors and tokens use it")
struct Base64URLTests {
    @Test("every length from 0 to 40 bytes: the URL alphabet, no padding, and back to the same bytes")
    func roundTrip() {
        for length in 0...40 {
            let data = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 251) })
            let text = data.base64URLEncodedString()
            #expect(text == data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))
            #expect(!text.contains("+") && !text.contains("/") && !text.contains("="))
            #expect(Data(base64URLEncoded: text) == data)
        }
    }

    @Test("padded input is read too; text outside the alphabet is refused")
    func reading() {
        #expect(Data(base64URLEncoded: "-_8=") == Data([0xFB, 0xFF]))
        #expect(Data(base64URLEncoded: "-_8") == Data([0xFB, 0xFF]))
        #expect(Data(base64URLEncoded: "not base64!") == nil)
    }

    @Test("a page cursor is a base64url id, and only a valid one reads back")
    func cursors() throws {
        let id = UUID()
        let cursor = PageRequest.cursor(after: id)
        #expect(try PageRequest(limit: 10, startingAfter: cursor).after == id)
        #expect(throws: (any Error).self) { try PageRequest(limit: 10, startingAfter: "%%%") }
    }
}
