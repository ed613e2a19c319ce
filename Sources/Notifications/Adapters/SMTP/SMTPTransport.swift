/// Sends through an SMTP server. At most once per call; the sender's retries make it at
/// least once overall (see `MailSender` on the window between the server's 250 and our record).
public struct SMTPTransport: MailTransport {
    let client: SMTPClient
    public let name: String

    public init(settings: SMTPSettings) throws {
        client = try SMTPClient(settings: settings)
        name = "smtp://\(settings.host):\(settings.port)"
    }

    public func send(_ mail: OutgoingMail) async throws {
        do {
            try await client.send(from: mail.fromAddress, to: [mail.recipient], data: mail.mime())
        } catch {
            throw error.isTemporary ? MailTransportError.temporary(error.description)
                                    : MailTransportError.permanent(error.description)
        }
    }
}
