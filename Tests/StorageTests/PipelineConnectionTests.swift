import Foundation
import KeelTesting
import PostgresPipeline
import Synchronization
import Testing

/// The pipelining driver (issue 21) on the test cluster, as the server's role, both ways: the
/// protocol spoken by an event loop on the socket libpq opened (what an unencrypted connection
/// gets), and libpq with the poller (what an encrypted one gets). Every test runs on both.
@Suite("PostgresPipeline: libpq's connection, pipelined on an event loop or through libpq")
struct PipelineConnectionTests {
    static let transports: [PipelineConnection.Transport] = [.automatic, .libpq]

    static func connect(_ transport: PipelineConnection.Transport,
                        notifications: (@Sendable (String, String) -> Void)? = nil) async throws -> PipelineConnection {
        let connection = try await PipelineConnection.connect(try await TestDatabase.shared().databaseURL, transport: transport,
                                                              notifications: notifications)
        #expect(connection.onEventLoop == (transport == .automatic))
        return connection
    }

    static func text(_ value: String) -> Parameter { Parameter(type: TypeOID.text, bytes: Array(value.utf8)) }
    static func string(_ result: ResultSet, _ row: Int = 0, _ column: Int = 0) -> String? {
        result.value(row: row, column: column).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("a transaction-local setting made in a pipeline holds until its Sync, and not after", arguments: Self.transports)
    func scopeLastsUntilSync(_ transport: PipelineConnection.Transport) async throws {
        let connection = try await Self.connect(transport)
        defer { connection.close() }
        let results = try await connection.run([
            Statement("select set_config('app.tenant_id', $1, true)", parameters: [Self.text("00000000-0000-4000-8000-00000000abcd")]),
            Statement("select current_setting('app.tenant_id', true)"),
        ])
        #expect(results.count == 2)
        #expect(Self.string(results[1]) == "00000000-0000-4000-8000-00000000abcd")
        let after = try await connection.run([Statement("select coalesce(current_setting('app.tenant_id', true), '')")])
        #expect(Self.string(after[0]) == "")
    }

    @Test("the poller's thread is named where /proc and perf see it")
    func pollerNamed() async throws {
        let connection = try await Self.connect(.libpq)
        defer { connection.close() }
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
        let names = tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
        #expect(names.contains("postgres-poller\n"))
    }

    @Test("begin, statements and commit travel as one job; the tags and rows come back in order", arguments: Self.transports)
    func explicitTransaction(_ transport: PipelineConnection.Transport) async throws {
        let connection = try await Self.connect(transport)
        defer { connection.close() }
        let results = try await connection.run([
            Statement("begin isolation level read committed", name: "t_begin"),
            Statement("select $1::int8 + 1 as n", parameters: [Parameter(type: TypeOID.int8, bytes: Self.int8(41))], name: "t_add"),
            Statement("commit", name: "t_commit"),
        ])
        #expect(results.map(\.commandTag) == ["BEGIN", "SELECT 1", "COMMIT"])
        #expect(results[1].columns == ["n"])
        #expect(results[1].types == [TypeOID.int8])
        #expect(results[1].value(row: 0, column: 0).map(Array.init) == Self.int8(42))
        // Prepared once per connection: the second run sends no Parse and answers the same.
        let again = try await connection.run([Statement("select $1::int8 + 1 as n", parameters: [Parameter(type: TypeOID.int8, bytes: Self.int8(1))], name: "t_add")])
        #expect(again[0].value(row: 0, column: 0).map(Array.init) == Self.int8(2))
    }

    @Test("one job's error fails that job only, with its SQLSTATE; jobs around it answer", arguments: Self.transports)
    func errorsStayInTheirJob(_ transport: PipelineConnection.Transport) async throws {
        let connection = try await Self.connect(transport)
        defer { connection.close() }
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for i in 0..<60 {
                group.addTask {
                    do {
                        let r = try await connection.run([Statement("select (10 / $1::int4)::text", parameters: [Self.text(String(i % 3))])])
                        return (i, Self.string(r[0]) ?? "nil")
                    } catch let error as PostgresServerError {
                        return (i, "error \(error.sqlState)")
                    }
                }
            }
            var answers = 0
            for try await (i, answer) in group {
                answers += 1
                #expect(answer == (i % 3 == 0 ? "error 22012" : String(10 / (i % 3))), "job \(i)")
            }
            #expect(answers == 60)
        }
        #expect(connection.load == 0)
    }

    @Test("a prepared statement whose Parse fails is not remembered as prepared", arguments: Self.transports)
    func failedParseIsForgotten(_ transport: PipelineConnection.Transport) async throws {
        let connection = try await Self.connect(transport)
        defer { connection.close() }
        await #expect(throws: PostgresServerError.self) {
            try await connection.run([Statement("select from nowhere_at_all", name: "t_bad")])
        }
        // The same name with working SQL parses afresh (the failed one was never created).
        let results = try await connection.run([Statement("select 'ok'::text", name: "t_bad")])
        #expect(Self.string(results[0]) == "ok")
    }

    @Test("parameters and results in binary format: NULL, bool, bytea, uuid, timestamptz, text[]", arguments: Self.transports)
    func binaryValues(_ transport: PipelineConnection.Transport) async throws {
        let connection = try await Self.connect(transport)
        defer { connection.close() }
        let uuid = UUID()
        let results = try await connection.run([Statement(
            "select $1::text is null as was_null, $2::bool as flag, $3::bytea as raw, $4::uuid as id, "
                + "'2000-01-01 00:00:01+00'::timestamptz as at, array['a','b']::text[] as list",
            parameters: [Parameter(type: TypeOID.text, bytes: nil), Parameter(type: TypeOID.bool, bytes: [1]),
                         Parameter(type: TypeOID.bytea, bytes: [0, 255, 7]), Parameter(type: TypeOID.uuid, bytes: Self.bytes(uuid))])])
        let row = results[0]
        #expect(row.columns == ["was_null", "flag", "raw", "id", "at", "list"])
        #expect(row.value(row: 0, column: 0).map(Array.init) == [1])
        #expect(row.value(row: 0, column: 1).map(Array.init) == [1])
        #expect(row.value(row: 0, column: 2).map(Array.init) == [0, 255, 7])
        #expect(row.value(row: 0, column: 3).map(Array.init) == Self.bytes(uuid))
        #expect(row.value(row: 0, column: 4).map(Array.init) == Self.int8(1_000_000))  // µs since 2000-01-01
        #expect(row.types[5] == TypeOID.textArray)
    }

    @Test("the server ending the connection fails the statement waiting on it, and every later one, at once", arguments: Self.transports)
    func serverCloseFailsOutstandingWork(_ transport: PipelineConnection.Transport) async throws {
        let connection = try await Self.connect(transport)
        let pid = try await connection.run([Statement("select pg_backend_pid()::text")])
        let backend = try #require(Self.string(pid[0]))
        let killer = try await Self.connect(transport)
        defer { killer.close() }
        let started = ContinuousClock.now
        let sleeping = Task { try await connection.run([Statement("select pg_sleep(20)")]) }
        try await Task.sleep(for: .milliseconds(200))
        _ = try await killer.run([Statement("select pg_terminate_backend($1::int4)", parameters: [Self.text(backend)])])
        await #expect(throws: PostgresConnectionError.self) { _ = try await sleeping.value }
        #expect(ContinuousClock.now - started < .seconds(10))
        await #expect(throws: PostgresConnectionError.self) { _ = try await connection.run([Statement("select 1")]) }
        #expect(connection.isClosed)
    }

    @Test("close fails what is outstanding and refuses what comes after", arguments: Self.transports)
    func closeByUs(_ transport: PipelineConnection.Transport) async throws {
        let connection = try await Self.connect(transport)
        let sleeping = Task { try await connection.run([Statement("select pg_sleep(20)")]) }
        try await Task.sleep(for: .milliseconds(100))
        connection.close()
        await #expect(throws: PostgresConnectionError.self) { _ = try await sleeping.value }
        await #expect(throws: PostgresConnectionError.self) { _ = try await connection.run([Statement("select 1")]) }
    }

    @Test("many connections answer their own jobs at once, and close frees their backends", arguments: Self.transports)
    func manyConnectionsOnePoller(_ transport: PipelineConnection.Transport) async throws {
        var connections: [PipelineConnection] = []
        for _ in 0..<6 { connections.append(try await Self.connect(transport)) }
        let pids = try await withThrowingTaskGroup(of: String.self) { group in
            for connection in connections {
                group.addTask {
                    let pid = try #require(Self.string(try await connection.run([Statement("select pg_backend_pid()::text")])[0]))
                    // Twenty jobs handed over at once on each connection, answered in order.
                    try await withThrowingTaskGroup(of: Void.self) { jobs in
                        for n in 0..<20 {
                            jobs.addTask {
                                let answer = try await connection.run([Statement("select ($1::int4 * 2)::text || ':' || pg_backend_pid()",
                                                                                 parameters: [Self.text(String(n))])])
                                #expect(Self.string(answer[0]) == "\(n * 2):\(pid)")
                            }
                        }
                        try await jobs.waitForAll()
                    }
                    return pid
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(pids.count == 6)
        for connection in connections { connection.close() }
        let observer = try await Self.connect(transport)
        defer { observer.close() }
        let list = "{" + pids.joined(separator: ",") + "}"
        var left = -1
        for _ in 0..<50 {
            let rows = try await observer.run([Statement("select count(*)::text from pg_stat_activity where pid = any($1::int4[])",
                                                         parameters: [Self.text(list)])])
            left = Int(Self.string(rows[0]) ?? "") ?? -1
            if left == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(left == 0)
        #expect(connections.allSatisfy { $0.isClosed })
    }

    @Test("a job with a timeout queued behind a slow one is answered at its deadline; the connection goes on", arguments: Self.transports)
    func timeoutBehindSlowJob(_ transport: PipelineConnection.Transport) async throws {
        let connection = try await Self.connect(transport)
        defer { connection.close() }
        // Both handed over at once, the slow one first, so it is ahead in the pipeline; the
        // answers are recorded in the order the poller gives them (wall-clock
        // bounds would measure the machine's load, not the deadline).
        let answers = Mutex<[String]>([])
        let done = AsyncStream.makeStream(of: Void.self)
        connection.submit([Statement("select pg_sleep(1.5)")]) { result in
            answers.withLock { $0.append((try? result.get()) != nil ? "slow ok" : "slow failed") }
            done.continuation.yield()
        }
        connection.submit([Statement("select 'late'::text")], timeout: .milliseconds(300)) { result in
            let failed = { if case .failure(let error) = result { return error is PostgresConnectionError } else { return false } }()
            answers.withLock { $0.append(failed ? "late timed out" : "late answered") }
            done.continuation.yield()
        }
        var iterator = done.stream.makeAsyncIterator()
        _ = await iterator.next()
        _ = await iterator.next()
        // The late job was answered at its deadline, before the slow job ahead of it ended.
        #expect(answers.withLock { $0 } == ["late timed out", "slow ok"])
        let after = try await connection.run([Statement("select 'ok'::text")])
        #expect(Self.string(after[0]) == "ok")
        #expect(!connection.isClosed)
    }

    @Test("LISTEN hears a NOTIFY sent from another connection", arguments: Self.transports)
    func listenNotify(_ transport: PipelineConnection.Transport) async throws {
        let heard = AsyncStream.makeStream(of: String.self)
        let listener = try await Self.connect(transport) { channel, payload in
            if channel == "keel_pipeline_test" { heard.continuation.yield(payload) }
        }
        defer { listener.close() }
        _ = try await listener.run([Statement("listen keel_pipeline_test")])
        let sender = try await Self.connect(transport)
        defer { sender.close() }
        _ = try await sender.run([Statement("select pg_notify('keel_pipeline_test', 'hello')")])
        var iterator = heard.stream.makeAsyncIterator()
        #expect(await iterator.next() == "hello")
    }

    @Test("a connection that cannot be made says why")
    func connectFailure() async throws {
        await #expect(throws: PostgresConnectionError.self) {
            _ = try await PipelineConnection.connect("host=/nonexistent/socket/dir dbname=keel connect_timeout=2")
        }
    }

    @Test("rows affected come from the command tag, as libpq's PQcmdTuples reads it", arguments: Self.transports)
    func affectedRows(_ transport: PipelineConnection.Transport) async throws {
        let connection = try await Self.connect(transport)
        defer { connection.close() }
        let results = try await connection.run([
            Statement("create temporary table t_rows (n int4)"),
            Statement("insert into t_rows select generate_series(1, 3)"),
            Statement("update t_rows set n = n + 1 where n > 1"),
            Statement("select n from t_rows order by n"),
            Statement("delete from t_rows"),
        ])
        #expect(results.map(\.commandTag) == ["CREATE TABLE", "INSERT 0 3", "UPDATE 2", "SELECT 3", "DELETE 3"])
        #expect(results.map(\.affectedRows) == [0, 3, 2, 3, 3])
        #expect(results[3].rowCount == 3)
        #expect((0..<3).map { results[3].value(row: $0, column: 0).map(Array.init) } == [[0, 0, 0, 1], [0, 0, 0, 3], [0, 0, 0, 4]])
    }

    @Test("an answer larger than one read arrives whole", arguments: Self.transports)
    func largeAnswer(_ transport: PipelineConnection.Transport) async throws {
        let connection = try await Self.connect(transport)
        defer { connection.close() }
        let results = try await connection.run([Statement("select repeat('x', 300000) as big, n from generate_series(1, 4) n")])
        #expect(results[0].rowCount == 4)
        #expect(results[0].value(row: 3, column: 0)?.count == 300_000)
        #expect(results[0].value(row: 3, column: 1).map(Array.init) == [0, 0, 0, 4])
    }

    static func int8(_ value: Int64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
    static func bytes(_ uuid: UUID) -> [UInt8] { withUnsafeBytes(of: uuid.uuid) { Array($0) } }
}
