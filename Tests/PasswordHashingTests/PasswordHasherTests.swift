import Kernel
import PasswordHashing
import Testing

@Suite("Password hashing (Argon2id)")
struct PasswordHasherTests {
    @Test("hashes are PHC strings with the OWASP defaults and a 128-bit salt")
    func phcFormatAndDefaults() async throws {
        let hasher = PasswordHasher()
        defer { Task { try await hasher.shutdown() } }
        let phc = try await hasher.hash("correct horse battery staple")
        let fields = phc.split(separator: "$")
        #expect(fields.count == 5)
        #expect(fields[0] == "argon2id")
        #expect(fields[1] == "v=19")
        #expect(fields[2] == "m=19456,t=2,p=1")
        #expect(fields[3].count == 22, "16 bytes of salt are 22 unpadded base64 characters")
        #expect(!hasher.needsRehash(phc))
    }

    @Test("verify accepts the password, rejects others, and survives garbage")
    func verify() async throws {
        let hasher = PasswordHasher()
        defer { Task { try await hasher.shutdown() } }
        let phc = try await hasher.hash("pässwörd ✓")
        #expect(try await hasher.verify("pässwörd ✓", against: phc))
        #expect(try await !hasher.verify("passwörd ✓", against: phc))
        #expect(try await !hasher.verify("", against: phc))
        for garbage in ["", "$argon2id$", "not a hash", "$argon2id$v=19$m=19456,t=2,p=1$AAAA$", String(repeating: "$", count: 500)] {
            #expect(try await !hasher.verify("x", against: garbage))
        }
    }

    @Test("hashes made by the reference argon2 command verify (known answers)")
    func knownAnswers() async throws {
        // `echo -n "x" | argon2 0123456789abcdef -id -t 2 -k 19456 -p 1 -l 32 -e` (Debian's argon2 1.x)
        let reference = "$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$KHKeVplnhICsg+hd3a1YiJyww/F0ob5C9Iwu8FfopO4"
        // `echo -n "correct horse battery staple" | argon2 keel-test-salt16 -id -t 2 -m 14 -p 1 -l 32 -e`
        let smaller = "$argon2id$v=19$m=16384,t=2,p=1$a2VlbC10ZXN0LXNhbHQxNg$PyvkhPOZ3mr1kfbTjFx4LNGDEy3KyLinq4dZrKeuOhI"
        let hasher = PasswordHasher()
        defer { Task { try await hasher.shutdown() } }
        #expect(try await hasher.verify("x", against: reference))
        #expect(try await !hasher.verify("y", against: reference))
        #expect(try await hasher.verify("correct horse battery staple", against: smaller))
        #expect(!hasher.needsRehash(reference))
        #expect(hasher.needsRehash(smaller), "m=16384 is below the configured 19456")
    }

    @Test("the same password hashes differently each time (fresh salt)")
    func freshSalt() async throws {
        let hasher = PasswordHasher()
        defer { Task { try await hasher.shutdown() } }
        let first = try await hasher.hash("same")
        let second = try await hasher.hash("same")
        #expect(first != second)
    }

    @Test("needsRehash notices changed parameters and foreign formats")
    func needsRehash() async throws {
        let weak = PasswordHasher(parameters: .init(memoryKiB: 8_192, iterations: 1, parallelism: 1))
        defer { Task { try await weak.shutdown() } }
        let phc = try await weak.hash("pw")
        let current = PasswordHasher()
        defer { Task { try await current.shutdown() } }
        #expect(current.needsRehash(phc))
        #expect(!weak.needsRehash(phc))
        #expect(current.needsRehash("$2b$12$abcdefghijklmnopqrstuv"))  // bcrypt
        #expect(current.needsRehash("garbage"))
    }

    @Test("when the wait queue is full, callers get 'busy' at once instead of queueing")
    func boundedQueue() async throws {
        // given one hashing thread, one waiting slot, and a deliberately slow cost
        let hasher = PasswordHasher(parameters: .init(memoryKiB: 65_536, iterations: 4, parallelism: 1),
                                    threads: 1, queueDepth: 1)
        defer { Task { try await hasher.shutdown() } }
        // when six sign-ins arrive together
        let outcomes = await withTaskGroup(of: String.self) { group in
            for i in 0..<6 {
                group.addTask {
                    do {
                        _ = try await hasher.hash("pw\(i)")
                        return "hashed"
                    } catch let error as AppError where error.code == .busy {
                        return "busy"
                    } catch {
                        return "other: \(error)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        // then at most two were admitted (one running, one waiting) and the rest were refused
        #expect(outcomes.filter { $0 == "busy" }.count >= 1)
        #expect(outcomes.filter { $0 == "hashed" }.count >= 2)
        #expect(outcomes.allSatisfy { $0 == "busy" || $0 == "hashed" })
        #expect(hasher.inFlight == 0)
    }
}
