import HTTPTypes

/// Header names Keel sends or reads that HTTPTypes does not name.
extension HTTPField.Name {
    static let rateLimitLimit = HTTPField.Name("RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("RateLimit-Reset")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// On every answer to a staff member's "view as": who is viewing.
    static let keelImpersonatedBy = HTTPField.Name("Keel-Impersonated-By")!
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    static let contentSecurityPolicyHeader = HTTPField.Name("Content-Security-Policy")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let forwarded = HTTPField.Name("Forwarded")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
