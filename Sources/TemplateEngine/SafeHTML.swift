/// Markup that is inserted into a page as-is. Its only initialiser says what it is: the
/// caller vouches that `unsafe` holds no input from tenants or users.
public struct SafeHTML: Sendable, Equatable, Encodable {
    public let html: String
    public init(unsafe html: String) { self.html = html }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(html)
    }
}
