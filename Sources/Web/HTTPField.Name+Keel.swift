import HTTPTypes

/// Header names Keel sends or reads that HTTPTypes does not name.
extension HTTPField.Name {
    static let rateLimitLimit = HTTPField.Name("RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("RateLimit-Reset")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
