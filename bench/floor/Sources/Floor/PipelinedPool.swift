import Foundation
import PostgresPipeline

/// A few pipelined connections; each job goes to the one with the fewest jobs outstanding
/// (one-shot jobs need no lease: each is its own implicit transaction, or begins and commits).
final class PipelinedPool: Sendable {
    let connections: [PipelineConnection]
    let statements: [String: String]

    init(conninfo: String, size: Int, statements: [(name: String, sql: String)]) async throws {
        var connections: [PipelineConnection] = []
        // libpq and its poller, always: this is the libpq floor (`/wire` is the one on NIO).
        for _ in 0..<size { connections.append(try await PipelineConnection.connect(conninfo, transport: .libpq)) }
        self.connections = connections
        self.statements = Dictionary(uniqueKeysWithValues: statements.map { ($0.name, $0.sql) })
    }

    /// Runs the named statements as one pipeline; each result's rows, every column read as text.
    func run(_ steps: [(name: String, parameters: [Parameter])]) async throws -> [[[String?]]] {
        let results = try await leastLoaded(connections, load: \.load).run(steps.map { step in
            Statement(statements[step.name]!, parameters: step.parameters, name: "floor_" + step.name)
        })
        return results.map { result in
            (0..<result.rowCount).map { row in
                (0..<result.columns.count).map { column in result.value(row: row, column: column).map { String(decoding: $0, as: UTF8.self) } }
            }
        }
    }
}

extension Parameter {
    static func text(_ value: String) -> Parameter { Parameter(type: TypeOID.text, bytes: Array(value.utf8)) }
    static func uuid(_ value: String) -> Parameter {
        Parameter(type: TypeOID.uuid, bytes: UUID(uuidString: value).map { id in withUnsafeBytes(of: id.uuid) { Array($0) } })
    }
    static func bytea(_ value: [UInt8]) -> Parameter { Parameter(type: TypeOID.bytea, bytes: value) }
}

/// The one of `items` with the least `load` (the first found idle, or the first of the least):
/// both floors' pools pick a connection this way.
func leastLoaded<Item>(_ items: [Item], load: (Item) -> Int) -> Item {
    var best = items[0]
    var least = load(best)
    for item in items.dropFirst() where least > 0 {
        let itemLoad = load(item)
        if itemLoad < least { (best, least) = (item, itemLoad) }
    }
    return best
}
