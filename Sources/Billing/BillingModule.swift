public import BillingAPI

public import Storage

/// The implementation of `BillingService`.
public struct BillingModule: BillingService {
    let db: Database
    public init(db: Database) { self.db = db }
}
