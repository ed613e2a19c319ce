import Foundation
import KeelTesting
import Kernel
@testable import Notifications
import NotificationsAPI
import Testing

/// Keel's SMTP client against a real server (aiosmtpd, `Support/smtp_server.py`): delivery,
/// STARTTLS and AUTH, and every way a send can fail, each bounded by short timeouts.
@Suite("Notifications: SMTP client against aiosmtpd", .serialized, .timeLimit(.minutes(1)))
struct SMTPClientTests {
    // MARK: Delivery

    @Test("a message sent without TLS arrives whole: envelope, headers and both parts")
    func plainDelivery() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let mail = makeMail()

        let error = try await sendError(mail, with: quickSettings(port: server.port))

        #expect(error == nil, "\(String(describing: error)); server said: \(server.errorOutput())")
        let stored = try server.messages()
        try #require(stored.count == 1)
        #expect(stored[0].mailFrom == "noreply@example.com")
        #expect(stored[0].rcptTos == ["ann@example.org"])
        #expect(stored[0].tls == false)
        #expect(stored[0].ehlo == "keel.localdomain")
        let message = ParsedMessage(raw: stored[0].raw)
        #expect(message.header("From") == "Acme <noreply@example.com>")
        #expect(message.header("To") == "<ann@example.org>")
        #expect(message.header("Subject") == mail.subject)
        #expect(message.header("Date") != nil)
        #expect(message.header("Message-ID") == "<\(mail.id)@example.com>")
        #expect(message.header("MIME-Version") == "1.0")
        let parts = message.parts
        try #require(parts.count == 2)
        #expect(parts[0].header("Content-Type") == "text/plain; charset=utf-8")
        #expect(parts[0].header("Content-Transfer-Encoding") == "base64")
        #expect(parts[0].decodedBody == mail.text)
        #expect(parts[1].header("Content-Type") == "text/html; charset=utf-8")
        #expect(parts[1].decodedBody == mail.html)
    }

    @Test("lines that start with a dot arrive as written (stuffed by the client, unstuffed by the server)")
    func dotLines() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        // A lone "." line would end the message early if the client did not stuff it.
        let data = "Subject: dots\r\n\r\n.leading\r\n..two\r\n.\r\nafter a lone dot\r\n"

        let client = try SMTPClient(settings: quickSettings(port: server.port))
        try await client.send(from: "noreply@example.com", to: ["ann@example.org"], data: data)

        let stored = try server.messages()
        try #require(stored.count == 1)
        #expect(stored[0].raw == Array(data.utf8))
    }

    @Test("STARTTLS with a trusted certificate, then AUTH: delivered over TLS as the user")
    func startTLSAndAuth() async throws {
        let certificate = try SMTPTestServer.certificate()
        let server = try await SMTPTestServer.start(startTLS: certificate, auth: "user:secret")
        defer { server.stop() }
        // "localhost", not 127.0.0.1: the name the certificate is for, and the one sent as SNI.
        var settings = quickSettings(port: server.port, security: .startTLS, host: "localhost")
        settings.username = "user"
        settings.password = "secret"
        settings.trustedCertificatesFile = certificate.cert

        let error = try await sendError(makeMail(), with: settings)

        #expect(error == nil, "\(String(describing: error)); server said: \(server.errorOutput())")
        let stored = try server.messages()
        try #require(stored.count == 1)
        #expect(stored[0].tls == true)
        #expect(stored[0].authUser == "user")
    }

    @Test("non-ASCII subject, name and body travel as 7-bit ASCII and decode to the originals")
    func nonASCII() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let subject = "Grüße aus Köln — ✓ 日本"
        let text = "Zoë’s naïve café ☕\nline two"
        let html = "<p>Zoë’s naïve café ☕</p>\n<p>line two</p>"
        let mail = makeMail(subject: subject, text: text, html: html, fromName: "Café Zoë")

        let error = try await sendError(mail, with: quickSettings(port: server.port))

        #expect(error == nil, "\(String(describing: error)); server said: \(server.errorOutput())")
        let stored = try server.messages()
        try #require(stored.count == 1)
        // ASCII addresses need no SMTPUTF8, whatever the message says.
        #expect(stored[0].smtputf8 == false)
        let raw = stored[0].raw
        #expect(raw.allSatisfy { $0 < 0x80 }, "every byte of the message is ASCII (no 8BITMIME needed)")
        let rawLines = raw.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        #expect(rawLines.dropLast().allSatisfy { $0.last == UInt8(ascii: "\r") }, "every line ends in CRLF")
        let longest = rawLines.map { $0.last == UInt8(ascii: "\r") ? $0.count - 1 : $0.count }.max() ?? 0
        #expect(longest <= 998, "RFC 5322 §2.1.1: at most 998 bytes a line")

        let message = ParsedMessage(raw: raw)
        let encodedSubject = try #require(message.header("Subject"))
        #expect(encodedSubject.hasPrefix("=?UTF-8?B?"))
        #expect(ParsedMessage.decodeEncodedWords(encodedSubject) == subject)
        let from = try #require(message.header("From"))
        let address = " <noreply@example.com>"
        #expect(from.hasSuffix(address))
        #expect(ParsedMessage.decodeEncodedWords(String(from.dropLast(address.count))) == "Café Zoë")
        let parts = message.parts
        try #require(parts.count == 2)
        #expect(parts[0].decodedBody == text)
        #expect(parts[1].decodedBody == html)
    }

    // MARK: Failures

    @Test("STARTTLS to a server whose certificate is not trusted fails (as temporary) and sends nothing")
    func untrustedCertificate() async throws {
        let certificate = try SMTPTestServer.certificate()
        let server = try await SMTPTestServer.start(startTLS: certificate)
        defer { server.stop() }
        // No trustedCertificatesFile: the system's roots, which do not know this self-signed one.
        let settings = quickSettings(port: server.port, security: .startTLS, host: "localhost")

        let error = try await sendError(makeMail(), with: settings)

        let failure = try #require(error, "the handshake must fail")
        // SMTPClient reports any non-SMTP error (here NIOSSL's) as a protocol violation.
        guard case .protocolViolation = failure else {
            Issue.record("expected a TLS failure reported as .protocolViolation, got \(failure)")
            return
        }
        #expect(failure.isTemporary)
        #expect(try server.messages().isEmpty)
    }

    @Test("a wrong password is refused with 535: permanent")
    func wrongPassword() async throws {
        // AUTH without TLS is allowed to a server on this host, which keeps this test to AUTH alone.
        let server = try await SMTPTestServer.start(auth: "user:secret")
        defer { server.stop() }
        var settings = quickSettings(port: server.port)
        settings.username = "user"
        settings.password = "wrong"

        let error = try await sendError(makeMail(), with: settings)

        let (stage, code) = try #require(rejection(error), "expected a refusal, got \(String(describing: error))")
        #expect(stage == "AUTH PLAIN")
        #expect(code == 535)
        #expect(error?.isTemporary == false)
        #expect(try server.messages().isEmpty)
    }

    @Test("no server listening: fails fast, temporary")
    func serverDown() async throws {
        // The port of a server that just stopped: nothing listens there now.
        let server = try await SMTPTestServer.start()
        let port = server.port
        server.stop()
        let started = ContinuousClock.now

        let error = try await sendError(makeMail(), with: quickSettings(port: port))

        let failure = try #require(error, "a send to a closed port must fail")
        #expect(failure.isTemporary, "\(failure)")
        #expect(ContinuousClock.now - started < .seconds(4), "bounded by the 2 s connect timeout")
    }

    @Test("a server that does not greet in time: .timeout, temporary, and the call returns at the command timeout")
    func slowGreeting() async throws {
        let server = try await SMTPTestServer.start(greetingDelay: 5)
        defer { server.stop() }
        var settings = quickSettings(port: server.port)
        settings.commandTimeout = .seconds(1)
        let started = ContinuousClock.now

        let error = try await sendError(makeMail(), with: settings)

        let elapsed = ContinuousClock.now - started
        #expect(error == SMTPError.timeout("greeting"))
        #expect(error?.isTemporary == true)
        #expect(elapsed < .seconds(4), "returned after \(elapsed), not at the 1 s timeout")
    }

    @Test("a refusal is reported with its stage and code; 4xx is temporary, 5xx permanent", arguments: SMTPRefusalCase.all)
    func refused(_ refusal: SMTPRefusalCase) async throws {
        let server = try await SMTPTestServer.start(mode: refusal.mode)
        defer { server.stop() }

        let error = try await sendError(makeMail(), with: quickSettings(port: server.port))

        let (stage, code) = try #require(rejection(error), "expected a refusal, got \(String(describing: error))")
        #expect(stage == refusal.stage)
        #expect(code == refusal.code)
        #expect(error?.isTemporary == refusal.temporary)
        #expect(try server.messages().isEmpty)
    }

    @Test("a server that takes the data and never answers: .timeout at the data timeout, temporary")
    func hangAfterData() async throws {
        let server = try await SMTPTestServer.start(mode: "hang-after-data")
        defer { server.stop() }
        var settings = quickSettings(port: server.port)
        settings.dataTimeout = .seconds(1)
        let started = ContinuousClock.now

        let error = try await sendError(makeMail(), with: settings)

        let elapsed = ContinuousClock.now - started
        #expect(error == SMTPError.timeout("end of data"))
        #expect(error?.isTemporary == true)
        // Well short of the 120 s default, with room for a machine busy with the rest of the suite.
        #expect(elapsed < .seconds(10), "returned after \(elapsed), not at the 1 s data timeout")
    }

    @Test("SMTPTransport turns a 5xx into .permanent and a 4xx into .temporary")
    func transportClassifies() async throws {
        for (mode, expectPermanent) in [("permfail-rcpt", true), ("tempfail-rcpt", false)] {
            let server = try await SMTPTestServer.start(mode: mode)
            defer { server.stop() }
            let transport = try SMTPTransport(settings: quickSettings(port: server.port))
            #expect(transport.name == "smtp://127.0.0.1:\(server.port)")

            let caught = await transportError(transport, makeMail())

            let error = try #require(caught as? MailTransportError, "\(mode): got \(String(describing: caught))")
            let isPermanent: Bool
            switch error {
            case .permanent: isPermanent = true
            case .temporary: isPermanent = false
            }
            #expect(isPermanent == expectPermanent, "\(mode): \(error)")
        }
    }

    // MARK: Helpers

    /// Waits short enough that a test that goes wrong fails in seconds, not minutes, and long
    /// enough for aiosmtpd to answer on a loaded machine (CI saw an EHLO take over 2 s while the
    /// whole suite ran). The timeout tests set their own, shorter ones.
    private func quickSettings(port: Int, security: SMTPSettings.Security = .none, host: String = "127.0.0.1") -> SMTPSettings {
        var settings = SMTPSettings(host: host, port: port, security: security)
        settings.connectTimeout = .seconds(2)
        settings.commandTimeout = .seconds(10)
        settings.dataTimeout = .seconds(15)
        return settings
    }

    private func makeMail(subject: String = "Your invitation to Acme",
                          text: String = "Hello Ann,\n\nyou are invited to Acme.\n",
                          html: String = "<p>Hello Ann,</p>\n<p>you are invited to <b>Acme</b>.</p>\n",
                          fromName: String = "Acme") -> OutgoingMail {
        OutgoingMail(id: MessageID.generate(), tenantID: TenantID.generate(), fromAddress: "noreply@example.com",
                     fromName: fromName, recipient: "ann@example.org", subject: subject, text: text, html: html,
                     date: Date())
    }

    /// Sends `mail` with a new client: the error, or nil when the server took the message.
    private func sendError(_ mail: OutgoingMail, with settings: SMTPSettings) async throws -> SMTPError? {
        let client = try SMTPClient(settings: settings)
        do {
            try await client.send(from: mail.fromAddress, to: [mail.recipient], data: mail.mime())
            return nil
        } catch {
            return error  // `send` throws(SMTPError)
        }
    }

    private func transportError(_ transport: SMTPTransport, _ mail: OutgoingMail) async -> (any Error)? {
        do {
            try await transport.send(mail)
            return nil
        } catch {
            return error
        }
    }

    /// The stage and reply code of a `.rejected` error.
    private func rejection(_ error: SMTPError?) -> (stage: String, code: Int)? {
        guard case .rejected(let stage, let reply)? = error else { return nil }
        return (stage, reply.code)
    }
}

/// A failure mode of smtp_server.py and what the client must make of it.
struct SMTPRefusalCase: Sendable, CustomTestStringConvertible {
    let mode: String
    let stage: String
    let code: Int
    let temporary: Bool

    var testDescription: String { "\(mode): \(code) at \(stage)" }

    static let all = [
        SMTPRefusalCase(mode: "tempfail-rcpt", stage: "RCPT TO", code: 451, temporary: true),
        SMTPRefusalCase(mode: "tempfail-data", stage: "end of data", code: 451, temporary: true),
        SMTPRefusalCase(mode: "permfail-rcpt", stage: "RCPT TO", code: 550, temporary: false),
        SMTPRefusalCase(mode: "permfail-data", stage: "end of data", code: 554, temporary: false),
    ]
}

/// The pieces that need no server: dot-stuffing, header encoding, settings checks.
@Suite("Notifications: SMTP client pieces, without a server")
struct SMTPClientUnitTests {
    @Test("dot-stuffing doubles a leading dot, makes every line end in CRLF, and ends the data with CRLF")
    func dotStuffing() {
        #expect(SMTPClient.dotStuffed(".starts with a dot") == "..starts with a dot\r\n")
        #expect(SMTPClient.dotStuffed("one\n.two\r\n..three") == "one\r\n..two\r\n...three\r\n")
        #expect(SMTPClient.dotStuffed("a lone dot\r\n.\r\nwould end the data") == "a lone dot\r\n..\r\nwould end the data\r\n")
        #expect(SMTPClient.dotStuffed("already\r\nfine\r\n") == "already\r\nfine\r\n")
        #expect(SMTPClient.dotStuffed("mixed\nline\r\nends\n") == "mixed\r\nline\r\nends\r\n")
        #expect(SMTPClient.dotStuffed("dots.elsewhere\r\n stay. as they are.") == "dots.elsewhere\r\n stay. as they are.\r\n")
    }

    @Test("header text: plain ASCII as it is, anything else as encoded words of at most 75 characters")
    func headerText() {
        #expect(MIME.headerText("Your invitation to Acme") == "Your invitation to Acme")
        let texts = [
            "Grüße aus Köln — ✓ 日本",
            String(repeating: "日本語のメール ", count: 12),  // long: several words, folded
            "a\ttab",                                        // a control character
            "looks =?like?= an encoded word",                // would be misread if left alone
        ]
        for text in texts {
            let encoded = MIME.headerText(text)
            let words = encoded.split(whereSeparator: \.isWhitespace)
            #expect(encoded != text)
            let ascii = encoded.unicodeScalars.allSatisfy { $0.isASCII }
            #expect(ascii, "\(encoded)")
            #expect(words.allSatisfy { $0.utf8.count <= 75 }, "RFC 2047 §2: \(encoded)")
            #expect(ParsedMessage.decodeEncodedWords(encoded) == text)
        }
        let long = MIME.headerText(String(repeating: "é", count: 100))
        #expect(long.split(whereSeparator: \.isWhitespace).count > 1, "200 bytes do not fit one word")
        #expect(long.contains("\r\n "), "the words are folded onto continuation lines")
    }

    @Test("display names: plain as they are, specials quoted, non-ASCII encoded")
    func displayNames() {
        #expect(MIME.displayName("Acme") == "Acme")
        #expect(MIME.displayName("Acme, Inc.") == "\"Acme, Inc.\"")
        #expect(ParsedMessage.decodeEncodedWords(MIME.displayName("Café Zoë")) == "Café Zoë")
    }

    @Test("SNI only for host names, not IP addresses")
    func serverNameIndication() {
        #expect(SMTPClient.sniName("smtp.example.com") == "smtp.example.com")
        #expect(SMTPClient.sniName("localhost") == "localhost")
        #expect(SMTPClient.sniName("127.0.0.1") == nil)
        #expect(SMTPClient.sniName("::1") == nil)
    }

    @Test("settings refuse a password in the clear to another machine, half a login, and a port out of range")
    func settingsValidation() throws {
        #expect(throws: SMTPConfigurationError.self) {
            try SMTPSettings(host: "smtp.example.com", port: 25, security: .none, username: "u", password: "p").validate()
        }
        #expect(throws: SMTPConfigurationError.self) {
            try SMTPSettings(host: "localhost", port: 0, security: .none).validate()
        }
        #expect(throws: SMTPConfigurationError.self) {
            try SMTPSettings(host: "localhost", port: 65536, security: .none).validate()
        }
        #expect(throws: SMTPConfigurationError.self) {
            try SMTPSettings(host: "smtp.example.com", port: 587, security: .startTLS, username: "u").validate()
        }
        // The same login is fine over TLS, or to a relay on this host.
        try SMTPSettings(host: "smtp.example.com", port: 587, security: .startTLS, username: "u", password: "p").validate()
        try SMTPSettings(host: "127.0.0.1", port: 25, security: .none, username: "u", password: "p").validate()
        // And a client is never made from refused settings.
        #expect(throws: SMTPConfigurationError.self) {
            _ = try SMTPClient(settings: SMTPSettings(host: "smtp.example.com", port: 25, security: .none,
                                                      username: "u", password: "p"))
        }
    }
}

/// Just enough RFC 5322 and MIME reading to check what the server received.
struct ParsedMessage {
    /// In order; folded values unfolded (RFC 5322 §2.2.3: only the CRLF goes).
    let headers: [(name: String, value: String)]
    let bodyLines: [String]

    init(raw: [UInt8]) {
        self.init(lines: raw.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        })
    }

    init(lines: [String]) {
        var headers: [(name: String, value: String)] = []
        var index = 0
        while index < lines.count, !lines[index].isEmpty {
            let line = lines[index]
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += line
            } else if let colon = line.firstIndex(of: ":") {
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                headers.append((name: String(line[..<colon]), value: value))
            }
            index += 1
        }
        self.headers = headers
        bodyLines = Array(lines.dropFirst(index + 1))
    }

    func header(_ name: String) -> String? {
        headers.first(where: { $0.name.lowercased() == name.lowercased() })?.value
    }

    /// The parts of a multipart body, split on the boundary its Content-Type names.
    var parts: [ParsedMessage] {
        guard let type = header("Content-Type"), let start = type.range(of: "boundary=\"") else { return [] }
        let boundary = "--" + String(type[start.upperBound...].prefix(while: { $0 != "\"" }))
        var parts: [[String]] = []
        for line in bodyLines {
            if line == boundary + "--" { break }
            if line == boundary {
                parts.append([])
            } else if !parts.isEmpty {  // lines before the first boundary are the preamble
                parts[parts.count - 1].append(line)
            }
        }
        return parts.map { ParsedMessage(lines: $0) }
    }

    /// A base64 body, decoded as UTF-8.
    var decodedBody: String? {
        Data(base64Encoded: bodyLines.joined()).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// The text of a header value made only of RFC 2047 `=?UTF-8?B?…?=` words (the whitespace
    /// between them does not count), or nil when it holds anything else.
    static func decodeEncodedWords(_ value: String) -> String? {
        let words = value.split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return nil }
        var bytes: [UInt8] = []
        for word in words {
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="), word.utf8.count <= 75,
                  let decoded = Data(base64Encoded: String(word.dropFirst("=?UTF-8?B?".count).dropLast(2)))
            else { return nil }
            bytes += decoded
        }
        // The words are concatenated as bytes: a character split between two would still decode.
        return String(bytes: bytes, encoding: .utf8)
    }
}
