import Foundation
@testable import Orders
import Testing

/// The orders page's statement has no `order by` around its join (`OrderRows.selectWithLines`):
/// rows in the plan's order are taken as they come, and rows in any other order are sorted.
@Suite("Orders persistence: a page's rows in page order, whatever order they come in")
struct PageRowKeyTests {
    /// Orders newest first (ids compared byte by byte), then by tenant, then lines in order.
    static let inPageOrder: [PageRowKey] = {
        let newer = UUID(uuidString: "01939f00-0000-7000-8000-000000000002")!
        let older = UUID(uuidString: "01939f00-0000-7000-8000-000000000001")!
        let tenantA = UUID(uuidString: "0193a000-0000-7000-8000-00000000000a")!
        let tenantB = UUID(uuidString: "0193a000-0000-7000-8000-00000000000b")!
        return [
            PageRowKey(order: newer, tenant: tenantA, line: 1), PageRowKey(order: newer, tenant: tenantA, line: 2),
            PageRowKey(order: newer, tenant: tenantB, line: nil),
            PageRowKey(order: older, tenant: tenantA, line: 1), PageRowKey(order: older, tenant: tenantA, line: 3),
        ]
    }()

    @Test("rows already in page order are taken as they are")
    func inOrder() {
        #expect(PageRowKey.pageOrder(Self.inPageOrder) == nil)
        #expect(PageRowKey.pageOrder([]) == nil)
    }

    @Test("rows in any other order (every permutation) are put in page order")
    func everyPermutation() throws {
        for keys in Self.permutations(Self.inPageOrder) where keys != Self.inPageOrder {
            let order = try #require(PageRowKey.pageOrder(keys))
            #expect(order.map { keys[$0] } == Self.inPageOrder)
        }
    }

    @Test("an order's rows split apart, or its lines out of order, are not taken as they come")
    func splitOrUnordered() throws {
        let keys = Self.inPageOrder
        #expect(PageRowKey.pageOrder([keys[0], keys[3], keys[1]]) != nil)
        #expect(PageRowKey.pageOrder([keys[1], keys[0]]) != nil)
        #expect(PageRowKey.pageOrder([keys[3], keys[0]]) != nil)
    }

    static func permutations(_ keys: [PageRowKey]) -> [[PageRowKey]] {
        guard let first = keys.first else { return [[]] }
        return permutations(Array(keys.dropFirst())).flatMap { rest in
            (0...rest.count).map { position in var keys = rest; keys.insert(first, at: position); return keys }
        }
    }
}
