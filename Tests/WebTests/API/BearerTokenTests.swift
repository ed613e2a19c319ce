import Testing
@testable import Web

/// The token of an `Authorization: Bearer …` field (RFC 9110 §11.1: the scheme is
/// case-insensitive), read byte by byte (`AccessMiddleware.bearerToken`).
@Suite("API access: reading the bearer token")
struct BearerTokenTests {
    @Test("the scheme in any case, spaces and tabs around the token dropped")
    func accepted() {
        #expect(AccessMiddleware.bearerToken("Bearer keel_abc") == "keel_abc")
        #expect(AccessMiddleware.bearerToken("bearer keel_abc") == "keel_abc")
        #expect(AccessMiddleware.bearerToken("BEARER keel_abc") == "keel_abc")
        #expect(AccessMiddleware.bearerToken("BeArEr \t keel_abc \t") == "keel_abc")
        #expect(AccessMiddleware.bearerToken("Bearer keel_ä") == "keel_ä")
    }

    @Test("another scheme, no separator, or no token is no bearer token")
    func refused() {
        for header in ["", "Bearer", "Bearer ", "Bearer \t ", "Bearerkeel_abc", "Basic a2VlbDo=", "Bearr keel_abc",
                       "Bearer\u{A0}keel_abc", "XBearer keel_abc", "Béarer keel_abc"] {
            #expect(AccessMiddleware.bearerToken(header) == nil, "\(header)")
        }
    }
}
