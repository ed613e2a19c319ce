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
            servedOnEventLoop(Request(head: .init(method: .get, scheme: "http", authority: "localhost", path: path),
                                      body: .init(buffer: ByteBuffer())))
        }
        #expect(picked("/v1/users/1"))
        #expect(picked("/v1/me?expand=tenant"))
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
        let router = Router(context: KeelRequestContext.self)
        // Each answers where its handler ran: on the loop of the request's own connection, or not.
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
        try await app.test(.live) { client in
            // One connection, the two kinds in turn: the connection's task moves both ways.
            for _ in 0..<3 {
                let api = try await client.execute(uri: "/v1/where", method: .get)
                #expect(String(buffer: api.body) == "loop")
                let probe = try await client.execute(uri: "/where", method: .get)
                #expect(String(buffer: probe.body) == "pool")
                let waited = try await client.execute(uri: "/v1/where-after-waiting", method: .get)
                #expect(String(buffer: waited.body) == "loop")
            }
        }
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
