/// Where outgoing mail goes: the development mailbox, or an SMTP server.
public protocol MailTransport: Sendable {
    /// Shown in the delivery log (`dev-mailbox`, `smtp://host:port`).
    var name: String { get }
    /// Hands the message over. Throws `MailTransportError`: `.temporary` is retried with
    /// back-off, `.permanent` fails the message at once.
    func send(_ mail: OutgoingMail) async throws
}

/// Why a transport could not hand a message over.
public enum MailTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Worth retrying: the server is down, slow, or answered 4xx.
    case temporary(String)
    /// Retrying cannot help: the server answered 5xx, or the message cannot be sent as it is.
    case permanent(String)

    public var description: String {
        switch self {
        case .temporary(let reason): "temporary: \(reason)"
        case .permanent(let reason): "permanent: \(reason)"
        }
    }
}
