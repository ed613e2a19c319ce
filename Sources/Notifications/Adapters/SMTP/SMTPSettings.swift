/// How to reach the SMTP server (`KEEL_SMTP_*`).
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable, CaseIterable {
        /// Plain TCP; only sensible to a relay on the same host.
        case none
        /// Plain TCP upgraded with STARTTLS before anything else is said (port 587).
        case startTLS = "starttls"
        /// TLS from the first byte (port 465).
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The name this client gives in EHLO.
    public var heloName: String = "keel.localdomain"
    /// PEM file with extra certificates to trust (a private CA, a test server); the system's
    /// roots are used when `nil`.
    public var trustedCertificatesFile: String?
    public var connectTimeout: Duration = .seconds(10)
    /// For each reply, except the one after the message body.
    public var commandTimeout: Duration = .seconds(30)
    /// For the reply after the message body (servers scan it before answering).
    public var dataTimeout: Duration = .seconds(120)

    public init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
    }

    /// Refuses settings that would send a password in the clear to another machine.
    public func validate() throws(SMTPConfigurationError) {
        guard (1...65535).contains(port) else { throw SMTPConfigurationError("KEEL_SMTP_PORT must be 1-65535, not \(port).") }
        if username != nil, security == .none, !["localhost", "127.0.0.1", "::1"].contains(host) {
            throw SMTPConfigurationError("KEEL_SMTP_USERNAME is set but KEEL_SMTP_SECURITY is none: the password would cross the network in the clear. Use starttls or tls.")
        }
        if (username == nil) != (password == nil) {
            throw SMTPConfigurationError("Set both KEEL_SMTP_USERNAME and KEEL_SMTP_PASSWORD, or neither.")
        }
    }
}

public struct SMTPConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
