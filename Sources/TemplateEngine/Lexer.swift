/// Splits template source into text and the three delimiters: `{{ output }}`, `{% tag %}`
/// and `{# comment #}`. A `-` just inside a delimiter (`{{-`, `-%}`) trims the whitespace
/// on that side. A value-type scanner over bytes: no regex, no copies of the source.
struct Lexer {
    enum Kind: Equatable { case text, output, tag }

    struct Token: Equatable {
        let kind: Kind
        /// For text: the bytes to emit. For output and tag: the trimmed inner source.
        let bytes: ArraySlice<UInt8>
        /// Byte offset of the token (of the inner source, for output and tag).
        let offset: Int
    }

    let source: SourceText

    func tokens() throws(TemplateError) -> [Token] {
        let b = source.bytes
        var tokens: [Token] = []
        var textStart = 0
        var trimNextText = false
        var i = 0
        while i < b.count {
            guard b[i] == UInt8(ascii: "{"), i + 1 < b.count,
                  let close = Self.closer(for: b[i + 1]) else { i += 1; continue }
            let opener = i
            var innerStart = i + 2
            let trimBefore = innerStart < b.count && b[innerStart] == UInt8(ascii: "-")
            if trimBefore { innerStart += 1 }
            guard let end = Self.find(close, in: b, from: innerStart) else {
                throw source.error(.unterminated, at: opener, "This \(Self.name(b[i + 1])) is never closed.",
                                   hint: "Close it with \(String(decoding: close, as: UTF8.self)) on the same or a later line.")
            }
            var innerEnd = end
            let trimAfter = innerEnd > innerStart && b[innerEnd - 1] == UInt8(ascii: "-")
            if trimAfter { innerEnd -= 1 }
            // Text before the delimiter, trimmed as asked.
            var text = b[textStart..<opener]
            if trimNextText { text = text.drop(while: Self.isSpace) }
            if trimBefore { text = Self.dropTrailingSpace(text) }
            if !text.isEmpty { tokens.append(Token(kind: .text, bytes: text, offset: text.startIndex)) }
            let inner = Self.trim(b[innerStart..<innerEnd])
            switch b[i + 1] {
            case UInt8(ascii: "{"): tokens.append(Token(kind: .output, bytes: inner, offset: inner.startIndex))
            case UInt8(ascii: "%"): tokens.append(Token(kind: .tag, bytes: inner, offset: inner.startIndex))
            default: break  // comment
            }
            trimNextText = trimAfter
            i = end + 2
            textStart = i
        }
        var text = b[textStart..<b.count]
        if trimNextText { text = text.drop(while: Self.isSpace) }
        if !text.isEmpty { tokens.append(Token(kind: .text, bytes: text, offset: text.startIndex)) }
        return tokens
    }

    static func closer(for byte: UInt8) -> [UInt8]? {
        switch byte {
        case UInt8(ascii: "{"): Array("}}".utf8)
        case UInt8(ascii: "%"): Array("%}".utf8)
        case UInt8(ascii: "#"): Array("#}".utf8)
        default: nil
        }
    }

    static func name(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "{"): "{{ output }}"
        case UInt8(ascii: "%"): "{% tag %}"
        default: "{# comment #}"
        }
    }

    static func find(_ needle: [UInt8], in b: [UInt8], from start: Int) -> Int? {
        var i = start
        while i + 1 < b.count {
            if b[i] == needle[0] && b[i + 1] == needle[1] { return i }
            i += 1
        }
        return nil
    }

    static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D
    }

    static func dropTrailingSpace(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = s.endIndex
        while end > s.startIndex && isSpace(s[end - 1]) { end -= 1 }
        return s[s.startIndex..<end]
    }

    static func trim(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        dropTrailingSpace(s.drop(while: isSpace))
    }
}
