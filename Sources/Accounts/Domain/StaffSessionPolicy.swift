/// How long console sessions last. Shorter than tenant sessions: staff reach every tenant.
public struct StaffSessionPolicy: Sendable {
    /// Ends a session nobody has used for this long.
    public var idleTimeout: Duration
    /// Ends every session this long after sign-in, used or not.
    public var absoluteTimeout: Duration
    /// How long a half-done sign-in (the TOTP step, the first-time setup) stays open.
    public var signInStepTimeout: Duration
    /// Wrong codes one half-done sign-in may take before it must start again.
    public var signInStepAttempts: Int

    public init(idleTimeout: Duration = .seconds(30 * 60), absoluteTimeout: Duration = .seconds(12 * 3600),
                signInStepTimeout: Duration = .seconds(10 * 60), signInStepAttempts: Int = 5) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
        self.signInStepTimeout = signInStepTimeout
        self.signInStepAttempts = signInStepAttempts
    }
}

extension Duration {
    var timeInterval: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
