import EventLoopExecutor
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import NIOCore
import NIOPosix
import Testing
import Web

/// Where a request runs (`HTTPServerBuilder.http1(configuration:onEventLoop:)`): the API's and
/// the console's on their connection's event loop, everything else on Swift's global pool, also
/// when one connection asks for both in turn; and where `ConnectionExecutor` wakes a task.
@Suite("Requests on their connection's event loop")
struct ServedOnEventLoopTests {
    @Test("The API and the console are picked; probes, metrics and look-alike paths are not")
    func picks() {
        func picked(_ path: String) -> Bool {
            servedOnEventLoop(.init(method: .get, scheme: "http", authority: "localhost", path: path))
        }
        #expect(picked("/v1/users/1"))
        #expect(picked("/v1/me?expand=tenant"))
        #expect(picked("/v1?x=1"))
        #expect(!picked("/healthz?v1/"))
        #expect(picked("/v1"))
        #expect(picked("/admin/login"))
        #expect(picked("/admin"))
        #expect(!picked("/healthz"))
        #expect(!picked("/readyz"))
        #expect(!picked("/metrics"))
        #expect(!picked("/assets/admin.css"))
        #expect(!picked("/v10/users"))
        #expect(!picked("/administrator"))
    }

    @Test("Over real HTTP, a picked request runs on its connection's loop and the rest off it, request after request on one connection")
    func servedWhereChosen() async throws {
        try await Self.live { client in
            // One connection, the two kinds in turn: the connection's task moves both ways.
            let paths = ["/v1/where", "/where", "/v1/where-after-waiting"]
            let places = try await Self.whereServed(paths + paths + paths, client)
            #expect(places == Array(repeating: ["loop", "pool", "loop"], count: 3).flatMap { $0 })
        }
    }

    @Test("A connection that starts with a probe serves its later API requests on the loop too")
    func probeFirst() async throws {
        try await Self.live { client in
            let paths = ["/where", "/v1/where", "/v1/where-after-waiting", "/where"]
            let places = try await Self.whereServed(paths + paths, client)
            #expect(places == ["pool", "loop", "loop", "pool", "pool", "loop", "loop", "pool"])
        }
    }

    @Test("A connection closed before its first request ends its task; the server goes on serving")
    func closedBeforeARequest() async throws {
        try await Self.live { client in
            for _ in 0..<5 {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: client.port!).get()
                try await channel.close()
            }
            #expect(try await Self.whereServed(["/v1/where"], client) == ["loop"])
        }
    }

    /// A live server whose routes answer where their handler ran: on the loop of the request's
    /// own connection, or not.
    private static func live(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = Router(context: KeelRequestContext.self)
        router.get("/v1/where") { _, context in context.eventLoop.inEventLoop ? "loop" : "pool" }
        router.get("/where") { _, context in context.eventLoop.inEventLoop ? "loop" : "pool" }
        // As a database answer does: resumed from another thread (the driver's poller).
        router.get("/v1/where-after-waiting") { _, context in
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread {
                    Thread.sleep(forTimeInterval: 0.02)
                    continuation.resume()
                }
            }
            return context.eventLoop.inEventLoop ? "loop" : "pool"
        }
        let app = Application(router: router, server: .http1(configuration: .init(), onEventLoop: servedOnEventLoop),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live, body)
    }

    /// Where each of `paths` was served, asked in turn on the client's one connection.
    private static func whereServed(_ paths: [String], _ client: any TestClientProtocol) async throws -> [String] {
        var places: [String] = []
        for path in paths { places.append(String(buffer: try await client.execute(uri: path, method: .get).body)) }
        return places
    }

    @Test("A connection's executor wakes its task on the side it is set to, whoever wakes it")
    func connectionExecutorRunsOnItsSide() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let executor = ConnectionExecutor(loop)
        let places = await withTaskExecutorPreference(executor) {
            var places: [Bool] = []
            for (side, wakeFromLoop) in [(ConnectionExecutor.Side.eventLoop, false), (.eventLoop, true),
                                         (.pool, true), (.pool, false), (.eventLoop, false)] {
                executor.side = side
                // The wake comes after the task has suspended: a continuation resumed before that
                // lets the task go on where it is, with no executor asked.
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    if wakeFromLoop {
                        loop.scheduleTask(in: .milliseconds(50)) { continuation.resume() }
                    } else {
                        Thread.detachNewThread {
                            Thread.sleep(forTimeInterval: 0.05)
                            continuation.resume()
                        }
                    }
                }
                places.append(loop.inEventLoop)
            }
            return places
        }
        #expect(places == [true, true, false, false, true])
    }
}
