import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// The tests' guard against a server that never answers (`TestClientProtocol.answer`).
@Suite("A test's request that gets no answer fails by name instead of waiting for good")
struct AnswerWithinTests {
    /// A client that, like Hummingbird's after its own time-out, keeps waiting whatever happens:
    /// it ignores cancellation and gives up only when told to. (Every other test's requests go
    /// through `answer` and are answered.)
    struct Unanswering: TestClientProtocol {
        let released: @Sendable () -> Bool
        var port: Int? { nil }

        func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields,
                            body: ByteBuffer?) async throws -> TestResponse {
            while !released() { try? await Task.sleep(for: .milliseconds(20)) }
            throw Released()
        }

        struct Released: Error {}
    }

    @Test("no answer within the limit: the request is named, and the caller is not held")
    func noAnswer() async throws {
        let release = ReleaseFlag()
        let client = Unanswering(released: { release.isSet })
        let start = ContinuousClock.now
        var thrown: (any Error)?
        await withKnownIssue("recorded the moment the limit passes") {
            do {
                _ = try await client.answer(uri: "/v1/stuck", method: .get, within: .milliseconds(200))
            } catch {
                thrown = error
                throw error
            }
        }
        release.set()
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect("\(thrown.map { "\($0)" } ?? "")".contains("GET /v1/stuck: no answer within"))
    }

    final class ReleaseFlag: Sendable {
        private let value = Atomic<Bool>(false)
        var isSet: Bool { value.load(ordering: .acquiring) }
        func set() { value.store(true, ordering: .releasing) }
    }
}
