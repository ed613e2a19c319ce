import Kernel
import OrdersAPI
import Storage

/// Requested lines checked against the catalog as it is now and priced (`OrderDraft`).
struct DraftLinesStep {
    func callAsFunction(currency: String, lines: [NewOrderLine], in tx: TenantTransaction) async throws -> OrderDraft {
        let products = try await ProductRows.active(in: tx)
        return try OrderDraft(currency: currency, lines: lines,
                              products: Dictionary(uniqueKeysWithValues: products.map { ($0.code, $0) }))
    }
}
