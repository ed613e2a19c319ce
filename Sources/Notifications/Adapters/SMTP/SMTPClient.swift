import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A small SMTP client (RFC 5321) on SwiftNIO: one connection per message, STARTTLS or
/// implicit TLS (RFC 3207, RFC 8314), AUTH PLAIN or LOGIN (RFC 4954), SMTPUTF8 when an address
/// needs it (RFC 6531). Every wait is bounded by the settings' timeouts.
///
/// No SMTP package is available to this project, so this is written here; it is tested against
/// a real server (aiosmtpd) in NotificationsTests.
struct SMTPClient: Sendable {
    let settings: SMTPSettings
    let tls: NIOSSLContext?
    let group: any EventLoopGroup

    init(settings: SMTPSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        try settings.validate()
        self.settings = settings
        self.group = group
        if settings.security == .none {
            tls = nil
        } else {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if let file = settings.trustedCertificatesFile {
                configuration.trustRoots = .file(file)
            }
            tls = try NIOSSLContext(configuration: configuration)
        }
    }

    /// Sends one message to `recipients`; `data` is the message with CRLF line ends.
    func send(from sender: String, to recipients: [String], data: String) async throws(SMTPError) {
        let replies = SMTPReplies()
        let channel: any Channel
        do {
            channel = try await connect(replies: replies)
        } catch {
            throw .timeoutOrRefused(error)
        }
        let session = Session(channel: channel, replies: replies, settings: settings)
        do {
            try await conversation(session, from: sender, to: recipients, data: data)
            try? await channel.close()
        } catch {
            try? await channel.close()
            if let error = error as? SMTPError { throw error }
            // TLS failures and I/O errors surface as other types: the connection is unusable.
            throw .protocolViolation(String(describing: error))
        }
    }

    private func conversation(_ session: Session, from sender: String, to recipients: [String], data: String) async throws {
        try await session.expect(220, stage: "greeting")
        var capabilities = try await session.hello()
        if settings.security == .startTLS {
            guard capabilities["STARTTLS"] != nil else { throw SMTPError.unsupported("STARTTLS") }
            try await session.command("STARTTLS", expect: 220, stage: "STARTTLS")
            try await addTLS(to: session.channel)
            capabilities = try await session.hello()
        }
        if let username = settings.username, let password = settings.password {
            let methods = capabilities["AUTH"] ?? []
            if methods.contains("PLAIN") {
                let credentials = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
                try await session.command("AUTH PLAIN \(credentials)", expect: 235, stage: "AUTH PLAIN", secret: true)
            } else if methods.contains("LOGIN") {
                try await session.command("AUTH LOGIN", expect: 334, stage: "AUTH LOGIN")
                try await session.command(Data(username.utf8).base64EncodedString(), expect: 334, stage: "AUTH LOGIN", secret: true)
                try await session.command(Data(password.utf8).base64EncodedString(), expect: 235, stage: "AUTH LOGIN", secret: true)
            } else {
                throw SMTPError.unsupported("AUTH PLAIN or LOGIN (it offers: \(methods.joined(separator: " ")))")
            }
        }
        let needsUTF8 = ([sender] + recipients).contains { !$0.allSatisfy(\.isASCII) }
        if needsUTF8 && capabilities["SMTPUTF8"] == nil { throw SMTPError.unsupported("SMTPUTF8, needed for a non-ASCII address") }
        try await session.command("MAIL FROM:<\(sender)>\(needsUTF8 ? " SMTPUTF8" : "")", expect: 250, stage: "MAIL FROM")
        for recipient in recipients {
            try await session.command("RCPT TO:<\(recipient)>", expect: 250, also: 251, stage: "RCPT TO")
        }
        try await session.command("DATA", expect: 354, stage: "DATA")
        try await session.write(Self.dotStuffed(data) + ".\r\n")
        try await session.expect(250, stage: "end of data", timeout: settings.dataTimeout)
        // The message is accepted; a slow or rude goodbye does not change that.
        _ = try? await session.command("QUIT", expect: 221, stage: "QUIT", timeout: .seconds(2))
    }

    private func connect(replies: SMTPReplies) async throws -> any Channel {
        let security = settings.security
        let tls = self.tls
        let serverName = settings.host
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(settings.connectTimeout))
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if security == .tls, let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(serverName)))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyForwarder(replies: replies))
                }
            }
        return try await bootstrap.connect(host: settings.host, port: settings.port).get()
    }

    /// STARTTLS: the TLS handler goes first in the pipeline, below the reply decoder.
    private func addTLS(to channel: any Channel) async throws {
        guard let tls else { return }
        let serverName = Self.sniName(settings.host)
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                try NIOSSLClientHandler(context: tls, serverHostname: serverName), position: .first)
        }.get()
    }

    /// SNI carries host names only; an IP address is verified against the certificate without it.
    static func sniName(_ host: String) -> String? {
        host.contains(":") || host.split(separator: ".").allSatisfy({ Int($0) != nil }) ? nil : host
    }

    /// RFC 5321 §4.5.2: a line that starts with a dot gets another; the body ends with CRLF.
    static func dotStuffed(_ data: String) -> String {
        var normalized = data.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        if !normalized.hasSuffix("\r\n") { normalized += "\r\n" }
        if normalized.hasPrefix(".") { normalized = "." + normalized }
        return normalized.replacingOccurrences(of: "\r\n.", with: "\r\n..")
    }

    /// One connection's conversation: write a line, wait for the reply.
    struct Session: Sendable {
        let channel: any Channel
        let replies: SMTPReplies
        let settings: SMTPSettings

        func write(_ text: String) async throws {
            try await channel.writeAndFlush(channel.allocator.buffer(string: text))
        }

        @discardableResult
        func expect(_ code: Int, also other: Int? = nil, stage: String, timeout: Duration? = nil) async throws -> SMTPReply {
            let reply = try await replies.next(within: timeout ?? settings.commandTimeout, stage: stage, on: channel.eventLoop)
            guard reply.code == code || reply.code == other else { throw SMTPError.rejected(stage: stage, reply: reply) }
            return reply
        }

        @discardableResult
        func command(_ line: String, expect code: Int, also other: Int? = nil, stage: String, secret: Bool = false,
                     timeout: Duration? = nil) async throws -> SMTPReply {
            guard !line.contains("\r") && !line.contains("\n") else {
                throw SMTPError.protocolViolation("a line break inside \(stage)")
            }
            try await write(line + "\r\n")
            return try await expect(code, also: other, stage: stage, timeout: timeout)
        }

        /// EHLO, falling back to HELO for a server from another age; the capabilities offered.
        func hello() async throws -> [String: [String]] {
            try await write("EHLO \(settings.heloName)\r\n")
            let reply = try await replies.next(within: settings.commandTimeout, stage: "EHLO", on: channel.eventLoop)
            if reply.code == 250 { return reply.capabilities }
            guard reply.code >= 500 else { throw SMTPError.rejected(stage: "EHLO", reply: reply) }
            try await command("HELO \(settings.heloName)", expect: 250, stage: "HELO")
            return [:]
        }
    }
}

extension SMTPError {
    /// A connection that could not be made: always worth another try later.
    static func timeoutOrRefused(_ error: any Error) -> SMTPError {
        .timeout("connect (\(error))")
    }
}
