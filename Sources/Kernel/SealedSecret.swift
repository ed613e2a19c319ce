/// A secret sealed by the key ring (Storage's `KeyRing`), as an event carries it through the
/// outbox: the payload holds ciphertext bound to the tenant, and only a module that knows the
/// binding opens it. Encoded as one string.
public struct SealedSecret: Codable, Sendable, Hashable {
    public let sealed: String

    public init(sealed: String) { self.sealed = sealed }

    public init(from decoder: any Decoder) throws {
        sealed = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(sealed)
    }
}
