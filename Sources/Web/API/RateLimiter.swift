import HTTPTypes
import Kernel
import Synchronization

/// Token buckets kept in this process's memory: each key holds up to `perMinute` tokens and
/// regains them continuously at `perMinute` per minute; a request takes one.
///
/// The state is this instance's; `RateLimits` gives it this instance's share of each limit, so
/// N instances together allow the limit (docs/scaling.md). A bucket takes the capacity of the
/// request in hand, so a share that shrinks (a peer started) applies at once.
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
        var capacity: Double

        /// Tokens after refilling at `capacity` per minute since the last update.
        func refilled(at now: ContinuousClock.Instant) -> Double {
            min(capacity, tokens + (now - updated) / .seconds(60) * capacity)
        }
    }

    struct State {
        var buckets: [String: Bucket] = [:]
        var lastPrune: ContinuousClock.Instant?
    }

    /// The outcome of one request against one bucket, in the terms of the RateLimit headers.
    struct Decision {
        let allowed: Bool
        let limit: Int
        let remaining: Int
        /// Seconds until the bucket is full again (`RateLimit-Reset`).
        let reset: Int
        /// Seconds until one token is back (`Retry-After` when refused).
        let retryAfter: Int
    }

    private let state = Mutex(State())
    private let clock = ContinuousClock()
    /// Above this many keys, full buckets (which carry no information) are dropped, at most
    /// once every `pruneInterval`, so the sweep never runs on every request.
    private let pruneThreshold = 50_000
    private let pruneInterval = Duration.seconds(10)

    /// One request against several buckets at once: it takes a token from each only when every
    /// bucket has one, so a request refused by one limit does not use up the others (an
    /// attacker refused per address must not drain the account's bucket for its owner).
    func take(_ keys: [(key: String, perMinute: Int)]) -> [Decision] {
        let now = clock.now
        return state.withLock { state in
            var buckets = keys.map { key, perMinute in
                var bucket = state.buckets[key] ?? Bucket(tokens: Double(perMinute), updated: now, capacity: Double(perMinute))
                bucket.tokens = bucket.refilled(at: now)
                bucket.capacity = Double(perMinute)
                bucket.tokens = min(bucket.tokens, bucket.capacity)
                bucket.updated = now
                return bucket
            }
            let allowed = buckets.allSatisfy { $0.tokens >= 1 }
            var decisions: [Decision] = []
            for index in buckets.indices {
                if allowed { buckets[index].tokens -= 1 }
                let bucket = buckets[index]
                state.buckets[keys[index].key] = bucket
                let ratePerSecond = bucket.capacity / 60
                let refused = bucket.tokens < 1 && !allowed
                decisions.append(Decision(
                    allowed: !refused, limit: keys[index].perMinute, remaining: Int(bucket.tokens.rounded(.down)),
                    reset: Int(((bucket.capacity - bucket.tokens) / ratePerSecond).rounded(.up)),
                    retryAfter: refused ? max(1, Int(((1 - bucket.tokens) / ratePerSecond).rounded(.up))) : 0))
            }
            prune(&state, now: now)
            return decisions
        }
    }

    private func prune(_ state: inout State, now: ContinuousClock.Instant) {
        if state.buckets.count > pruneThreshold, state.lastPrune.map({ now - $0 >= pruneInterval }) ?? true {
            state.buckets = state.buckets.filter { $0.value.refilled(at: now) < $0.value.capacity }
            state.lastPrune = now
        }
    }

    func take(_ key: String, perMinute: Int) -> Decision {
        take([(key: key, perMinute: perMinute)])[0]
    }
}

/// The limits Keel applies, per minute. Zero turns a limit off.
public struct RateLimitSettings: Sendable {
    /// Requests per session (credential).
    public var perCredential: Int
    /// Requests per tenant, across all its sessions.
    public var perTenant: Int
    /// Login and signup attempts per client address.
    public var loginPerAddress: Int
    /// Login attempts per account (tenant + email), from anywhere.
    public var loginPerAccount: Int

    public init(perCredential: Int = 600, perTenant: Int = 3000, loginPerAddress: Int = 30, loginPerAccount: Int = 10) {
        self.perCredential = perCredential
        self.perTenant = perTenant
        self.loginPerAddress = loginPerAddress
        self.loginPerAccount = loginPerAccount
    }
}

/// Applies `RateLimitSettings` through one `RateLimiter`, each limit divided by the number of
/// live instances (`census`), so that the deployment as a whole holds it.
///
/// The division happens here, per request, from a number the heartbeat refreshes every few
/// seconds: no round trip, no shared store on the request path. The price is that a client
/// whose requests all land on one instance gets that instance's share, not the whole limit (a
/// balancer that spreads requests, round robin or least connections, gives the whole), and
/// that a limit smaller than the number of instances becomes one per instance.
struct RateLimits: Sendable {
    let settings: RateLimitSettings
    let census: any InstanceCensus
    let limiter = RateLimiter()
    let knownSources = KnownSources()
    let refusals = RateLimitRefusals()

    /// Admits an authenticated request, or throws a 429; returns the RateLimit headers.
    func admit(_ principal: Principal) throws -> HTTPFields {
        let credential = switch principal.credential {
        case .session(let id): "session:\(id)"
        case .apiKey(let id, _): "api-key:\(id)"
        }
        return try check([(credential, settings.perCredential),
                   ("tenant:\(principal.tenantID)", settings.perTenant)])
    }

    /// Admits a login attempt for this address and account.
    ///
    /// The per-account limit stops guessing spread over many addresses, but on its own it is a
    /// lever: anyone hammering an account keeps its owner out. So an address the account has
    /// signed in from before (`loginSucceeded`) is held to its per-address limit only. It still
    /// meets the per-source back-off in the database, so knowing the password is what makes an
    /// address known.
    func admitLogin(address: String, tenant: String, email: String) throws -> HTTPFields {
        let account = "\(tenant)/\(email.lowercased())"
        let perAccount = knownSources.contains(account: account, address: address) ? 0 : settings.loginPerAccount
        return try check([("login-address:\(address)", settings.loginPerAddress),
                          ("login-account:\(account)", perAccount)])
    }

    /// Records that `address` signed in to the account with the right password.
    func loginSucceeded(address: String, tenant: String, email: String) {
        knownSources.insert(account: "\(tenant)/\(email.lowercased())", address: address)
    }

    /// Admits an anonymous request that costs or reveals something (a signup, a password-reset
    /// request, a token redeemed) from this address; each kind has its own bucket.
    func admitAnonymous(_ kind: String, address: String) throws -> HTTPFields {
        try check([("\(kind)-address:\(address)", settings.loginPerAddress)])
    }

    /// Takes a token from every bucket; reports the tightest. A refusal names the longest wait.
    /// The limits in the headers are this instance's shares.
    private func check(_ keys: [(String, Int)]) throws -> HTTPFields {
        let instances = census.liveInstances
        let decisions = limiter.take(keys.filter { $0.1 > 0 }.map { (key: $0.0, perMinute: max(1, $0.1 / instances)) })
        guard let tightest = decisions.min(by: { $0.remaining < $1.remaining }) else { return [:] }
        var headers = HTTPFields()
        headers[.rateLimitLimit] = String(tightest.limit)
        headers[.rateLimitRemaining] = String(tightest.remaining)
        headers[.rateLimitReset] = String(tightest.reset)
        if let refused = decisions.filter({ !$0.allowed }).max(by: { $0.retryAfter < $1.retryAfter }) {
            refusals.count.add(1, ordering: .relaxed)
            var error = AppError(.rateLimited, "Too many requests; try again in \(refused.retryAfter) seconds.")
            error.retryAfterSeconds = refused.retryAfter
            throw ProblemWithHeaders(error: error, headers: [.rateLimitLimit: String(refused.limit),
                                                             .rateLimitRemaining: "0",
                                                             .rateLimitReset: String(refused.retryAfter)])
        }
        return headers
    }
}

/// The addresses each account has signed in from, for `RateLimits.admitLogin`. In this process's
/// memory, like the buckets: forgotten after `retention` and on restart (an owner is then
/// treated as a new address until their next sign-in), and bounded in size.
final class KnownSources: Sendable {
    private let seen = Mutex<[String: ContinuousClock.Instant]>([:])
    private let retention = Duration.seconds(30 * 24 * 3600)
    private let capacity = 100_000

    func insert(account: String, address: String) {
        let now = ContinuousClock.now
        seen.withLock { seen in
            if seen.count >= capacity {
                // Forget the expired; if that is not enough, the oldest half.
                seen = seen.filter { now - $0.value < retention }
                if seen.count >= capacity {
                    let cutoff = seen.values.sorted()[seen.count / 2]
                    seen = seen.filter { $0.value > cutoff }
                }
            }
            seen["\(address) \(account)"] = now
        }
    }

    func contains(account: String, address: String) -> Bool {
        let now = ContinuousClock.now
        return seen.withLock { $0["\(address) \(account)"].map { now - $0 < retention } ?? false }
    }
}

/// Requests a rate limit refused since the start, for `/metrics`.
final class RateLimitRefusals: MetricsSource {
    let count = Atomic<Int>(0)

    func samples() async throws -> [MetricSample] {
        [MetricSample("keel_rate_limit_refusals_total", .counter, Double(count.load(ordering: .relaxed)),
                      help: "Requests answered 429 by a rate limit (this instance's buckets).")]
    }
}
