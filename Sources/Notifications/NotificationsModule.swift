public import NotificationsAPI

public import Storage

/// The implementation of `NotificationsService`.
public struct NotificationsModule: NotificationsService {
    let db: Database
    public init(db: Database) { self.db = db }
}
