/// How long sessions live.
public struct SessionPolicy: Sendable {
    /// A session unused this long ends.
    public var idleTimeout: Duration
    /// A session ends this long after login, used or not.
    public var absoluteTimeout: Duration

    public init(idleTimeout: Duration = .seconds(3600), absoluteTimeout: Duration = .seconds(12 * 3600)) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
    }
}
