internal import CArgon2
import Kernel

/// Argon2id over libargon2, behind a caseless enum. Synchronous and CPU-heavy: call it only
/// from `PasswordHasher`'s own threads, never from the cooperative pool.
enum Argon2id {
    /// Hashes `password` with `salt` and returns the PHC string
    /// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
    static func hash(_ password: [UInt8], salt: [UInt8], parameters: PasswordHasher.Parameters) throws -> String {
        let p = parameters
        let length = argon2_encodedlen(p.iterations, p.memoryKiB, p.parallelism, UInt32(salt.count),
                                       UInt32(p.hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: length)
        let status = argon2id_hash_encoded(p.iterations, p.memoryKiB, p.parallelism, password, password.count,
                                           salt, salt.count, p.hashLength, &encoded, length)
        guard status == ARGON2_OK.rawValue else {
            throw AppError(.internalError, "The password could not be hashed.",
                           diagnostics: "argon2: \(String(cString: argon2_error_message(status)))")
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` matches `encoded`; libargon2 compares in constant time.
    /// A malformed `encoded` string is "no match", never a crash.
    static func verify(_ password: [UInt8], encoded: String) -> Bool {
        argon2id_verify(encoded, password, password.count) == ARGON2_OK.rawValue
    }
}
