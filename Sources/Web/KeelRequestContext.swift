public import Hummingbird
public import Kernel
public import NIOCore

import Synchronization

/// The request context of every Keel route.
public struct KeelRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request id: the client's `X-Request-Id` when well-formed, otherwise a new one.
    public var requestID: String
    /// Per-request facts learnt by inner layers (the tenant, once authenticated) that the
    /// outer request log needs after the response is made.
    public let facts: RequestFacts
    /// The client's address: what per-IP rate limits, the login back-off and audit entries key
    /// on. The connection's peer, or, when that peer is a trusted proxy (`KEEL_TRUSTED_PROXIES`),
    /// the address it forwarded (`ClientAddressMiddleware`).
    ///
    /// The peer's address is taken when the request starts (a closed channel forgets it) and
    /// written out as text only when asked: most requests never ask.
    public var clientAddress: String {
        get { forwardedAddress ?? peer?.ipAddress ?? "unknown" }
        set { forwardedAddress = newValue }
    }
    private var forwardedAddress: String?
    private let peer: SocketAddress?
    /// The event loop of the request's connection.
    public let eventLoop: any EventLoop

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.facts = RequestFacts()
        self.peer = source.channel.remoteAddress
        self.eventLoop = source.channel.eventLoop
    }
}

/// A box for what the request log reports but only inner layers know.
public final class RequestFacts: Sendable {
    private let state = Mutex<TenantID?>(nil)
    private let viewedAs = Mutex<Principal?>(nil)
    public var tenantID: TenantID? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
    /// The caller, when it is a staff member's "view as" (every answer names them; every
    /// request is audited).
    public var impersonated: Principal? {
        get { viewedAs.withLock { $0 } }
        set { viewedAs.withLock { $0 = newValue } }
    }
}
