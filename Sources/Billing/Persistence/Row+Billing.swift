import Kernel
import Storage

extension Row {
    /// An ISO 4217 code stored as text; an unknown one fails loudly.
    func currency(_ column: String) throws -> Currency {
        let code: String = try decode(column)
        guard let currency = Currency(code: code) else {
            throw AppError(.internalError, "A stored value could not be read.", diagnostics: "\(column) holds '\(code)', no ISO 4217 currency")
        }
        return currency
    }

    /// Minor units stored as `bigint`, in `currency`.
    func money(_ column: String, _ currency: Currency) throws -> Money {
        Money(minorUnits: Int64(try decode(column, as: Int.self)), currency: currency)
    }
}
