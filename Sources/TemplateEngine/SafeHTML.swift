/// Markup that is inserted into a page as-is. Its only initialiser says what it is: the
/// caller vouches that `unsafe` holds no input from tenants or users.
public struct SafeHTML: Sendable, Equatable, Encodable {
    public let html: String
    public init(unsafe html: String) { self.html = html }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(html)
    }
}

/// HTML escaping for text and quoted attribute values. The template-engine issue grows this
/// into contextual auto-escaping; until then it is the one escaping function Keel uses.
public enum HTMLEscaping {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
