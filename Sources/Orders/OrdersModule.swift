public import OrdersAPI

public import Storage

/// The implementation of `OrdersService`.
public struct OrdersModule: OrdersService {
    let db: Database
    public init(db: Database) { self.db = db }
}
