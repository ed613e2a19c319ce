public import Foundation
public import Kernel
public import NotificationsAPI

/// One email ready for a transport: the envelope and the two rendered parts. `mime()` is the
/// message as it travels (RFC 5322 headers, a multipart/alternative body).
public struct OutgoingMail: Sendable, Equatable {
    public let id: MessageID
    public let tenantID: TenantID
    /// The envelope sender and `From:` address.
    public let fromAddress: String
    /// The `From:` display name: the tenant's name, so the email reads as theirs.
    public let fromName: String
    public let recipient: String
    public let subject: String
    public let text: String
    public let html: String
    public let date: Date

    public init(id: MessageID, tenantID: TenantID, fromAddress: String, fromName: String, recipient: String,
                subject: String, text: String, html: String, date: Date) {
        self.id = id
        self.tenantID = tenantID
        self.fromAddress = fromAddress
        self.fromName = fromName
        self.recipient = recipient
        self.subject = subject
        self.text = text
        self.html = html
        self.date = date
    }

    /// A stable `Message-ID` derived from the message id: a retried send carries the same one,
    /// so a receiving system that de-duplicates on it sees one message.
    public var messageIDHeader: String {
        let domain = fromAddress.split(separator: "@").last.map(String.init) ?? "keel.invalid"
        return "<\(id)@\(domain)>"
    }

    /// The whole message with CRLF line ends. Both parts are UTF-8 in base64 (lines of 76), so
    /// no line is too long and no byte needs 8BITMIME; headers with non-ASCII text are RFC 2047
    /// encoded words.
    public func mime() -> String {
        let boundary = "keel-\(id)"
        var lines = [
            "From: \(MIME.displayName(fromName)) <\(fromAddress)>",
            "To: <\(recipient)>",
            "Subject: \(MIME.headerText(subject))",
            "Date: \(MIME.date(date))",
            "Message-ID: \(messageIDHeader)",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
        ]
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines += ["--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""]
            lines += MIME.base64Lines(Data(body.utf8))
        }
        lines += ["--\(boundary)--", ""]
        return lines.joined(separator: "\r\n")
    }
}

/// The few pieces of RFC 2045/2047/5322 an email needs.
enum MIME {
    /// Header text as is when it is plain printable ASCII, else encoded words of at most 75
    /// characters, folded onto continuation lines (never splitting a UTF-8 sequence).
    static func headerText(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } && !text.contains("=?")
        if plain { return text }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(encodedWord(chunk)) }
        return words.joined(separator: "\r\n ")
    }

    /// A display name: quoted when it has characters special in an address header.
    static func displayName(_ name: String) -> String {
        let encoded = headerText(name)
        guard encoded == name else { return encoded }
        let specials = CharacterSet(charactersIn: "()<>[]:;@\\,.\"")
        if name.unicodeScalars.contains(where: specials.contains) {
            return "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return name
    }

    static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }

    static func base64Lines(_ data: Data) -> [String] {
        let encoded = data.base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    /// RFC 5322 date, always UTC.
    static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
