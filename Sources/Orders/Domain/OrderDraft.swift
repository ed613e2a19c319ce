import Foundation
import Kernel
import OrdersAPI

/// A draft's lines, checked against the catalog and priced, with their total: the one rule
/// creating a draft and replacing its lines share. Every problem is reported at once, by line.
struct OrderDraft: Equatable, Sendable {
    struct Line: Equatable, Sendable {
        let product: Product
        let quantity: Int
        let unitAmount: Money
        let amount: Money
    }

    static let maxLines = 50
    static let quantities = 1...1000

    let currency: Currency
    let lines: [Line]
    let total: Money

    /// `products` by code, the active ones.
    init(currency code: String, lines requested: [NewOrderLine], products: [String: Product]) throws {
        guard let currency = Currency(code: code) else {
            throw AppError.validation([FieldError(field: "currency", code: "unknown_currency",
                                                  message: "Give an ISO 4217 currency code, like USD.")])
        }
        var errors: [FieldError] = []
        if requested.isEmpty || requested.count > Self.maxLines {
            errors.append(FieldError(field: "lines", code: "invalid_lines", message: "An order has 1 to \(Self.maxLines) lines."))
        }
        var lines: [Line] = []
        for (index, line) in requested.enumerated() {
            let field = "lines[\(index)]"
            guard let product = products[line.productCode] else {
                errors.append(FieldError(field: "\(field).product", code: "product_not_found",
                                         message: "There is no product '\(line.productCode)' on sale."))
                continue
            }
            guard let price = product.price(in: currency) else {
                errors.append(FieldError(field: "\(field).product", code: "currency_not_offered",
                                         message: "\(product.name) is not sold in \(currency.code)."))
                continue
            }
            guard Self.quantities.contains(line.quantity) else {
                errors.append(FieldError(field: "\(field).quantity", code: "out_of_range",
                                         message: "A quantity is \(Self.quantities.lowerBound) to \(Self.quantities.upperBound)."))
                continue
            }
            lines.append(Line(product: product, quantity: line.quantity, unitAmount: price,
                              amount: try price.multiplied(by: Int64(line.quantity))))
        }
        guard errors.isEmpty else { throw AppError.validation(errors) }
        self.currency = currency
        self.lines = lines
        self.total = try Money.sum(lines.map(\.amount), currency: currency)
    }
}

/// A coupon code as a buyer types it: trimmed and upper-cased, in the form Billing's codes
/// take (3–40 letters, digits and dashes). Billing decides, when the order is placed, whether it
/// is a coupon this tenant may use.
enum OrderCoupon {
    /// The code to keep; nil for an empty one (no coupon).
    static func normalize(_ text: String) throws -> String? {
        let code = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard !code.isEmpty else { return nil }
        guard (3...40).contains(code.count), let first = code.unicodeScalars.first, CharacterSet.alphanumerics.contains(first),
              code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else {
            throw AppError.validation([FieldError(field: "coupon", code: "invalid_coupon",
                                                  message: "A coupon code is 3 to 40 letters, digits and dashes, like LAUNCH-10.")])
        }
        return code
    }
}
