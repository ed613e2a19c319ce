/// Where in an HTML document a byte is, as far as escaping cares. A value-type state
/// machine fed the literal text of a template; outputs are escaped for the state they
/// land in (or refused at start-up when no escaping is safe there).
struct HTMLContext: Equatable, Sendable {
    enum State: Equatable, Sendable {
        case text
        /// Just after `<`: the next byte decides between a tag, an end tag, `<!…` or text.
        case afterLessThan
        /// After `<!`, counting the dashes of a possible `<!--`.
        case markupDeclaration(dashes: Int)
        /// `<!…>` that is not a comment (a doctype, say): ends at `>`.
        case bogusComment
        case tagName
        case insideTag
        case attributeName
        case afterAttributeName
        case beforeValue
        case quotedValue(quote: UInt8, atStart: Bool)
        case unquotedValue
        case rawText(json: Bool)
        case comment
        case endTag
    }

    var state: State = .text
    var tag: [UInt8] = []
    var attribute: [UInt8] = []
    /// The value of the current tag's `type` attribute, while inside the tag.
    var typeValue: [UInt8]? = nil
    var value: [UInt8] = []
    /// For raw text: how much of `</tag` has been matched.
    var closeMatch = 0

    static let urlAttributes: Set<[UInt8]> = Set(["href", "src", "action", "formaction", "cite", "poster", "data",
                                                   "background", "longdesc", "usemap", "manifest", "xlink:href"].map { Array($0.utf8) })
    static let rawTextTags: Set<[UInt8]> = [Array("script".utf8), Array("style".utf8)]
    /// `tag attribute` pairs whose URL decides what code or base the page gets.
    static let codeLoadingAttributes: Set<[UInt8]> = Set(["script src", "base href", "iframe src", "frame src", "object data",
                                                          "embed src", "link href", "meta content", "applet code", "applet codebase",
                                                          "object codebase", "param value"].map { Array($0.utf8) })

    /// What an output at this point needs.
    enum Slot: Equatable {
        case text, attribute, urlStart, urlPart, jsonScript
        case refused(TemplateError.Code, String, String)
    }

    var slot: Slot {
        switch state {
        case .text: return .text
        case .quotedValue(_, let atStart):
            let name = String(decoding: attribute, as: UTF8.self)
            if name.hasPrefix("on") || name == "style" || name == "srcdoc" {
                return .refused(.outputInScriptingAttribute, "A value cannot go into the `\(name)` attribute: it is script or style, not text.",
                                "Move the value into a data-* attribute or a <script type=\"application/json\"> block read by a static script.")
            }
            if Self.codeLoadingAttributes.contains(tag + [UInt8(ascii: " ")] + attribute) {
                return .refused(.outputInScriptingAttribute, "A value cannot choose what `<\(String(decoding: tag, as: UTF8.self)) \(name)>` loads: any https URL would run as code or rebase the page.",
                                "Write the URL in the template.")
            }
            if Self.urlAttributes.contains(attribute) {
                if atStart { return .urlStart }
                // The template's own text may already have chosen a scheme that runs the value
                // (`href="javascript:go('{{ x }}')"`): browsers percent-decode those URLs.
                if Escaping.safeURL(String(decoding: value, as: UTF8.self)) == Escaping.blocked {
                    return .refused(.outputInScriptingAttribute, "A value cannot go into a URL whose scheme runs code or carries a document.",
                                    "Use an http(s), mailto, tel or relative URL around the value.")
                }
                return .urlPart
            }
            return .attribute
        case .unquotedValue, .beforeValue:
            return .refused(.unquotedAttribute, "A value in an unquoted attribute could end the attribute early.",
                            "Quote the attribute: name=\"{{ value }}\".")
        case .afterLessThan:
            return .refused(.outputInsideTag, "A value right after `<` could write a tag name.",
                            "Write the tag in the template; put the value in its text or a quoted attribute.")
        case .markupDeclaration, .bogusComment:
            return .refused(.outputInComment, "Values cannot be written inside `<!…>`.", "Move the value out of the declaration.")
        case .rawText(let json):
            return json ? .jsonScript
                : .refused(.outputInScriptOrStyle, "Values cannot be written inside <script> or <style>.",
                           "Put data in <script type=\"application/json\">{{ value | json }}</script> and read it from a static script.")
        case .comment:
            return .refused(.outputInComment, "Values cannot be written inside an HTML comment.", "Use a template comment {# … #}, or move the value out.")
        case .tagName, .insideTag, .attributeName, .afterAttributeName, .endTag:
            return .refused(.outputInsideTag, "Values cannot write tag or attribute names.",
                            "Write the attribute in the template and put the value inside its quotes: class=\"{{ value }}\".")
        }
    }

    /// An output was written here: a quoted value no longer starts at its beginning.
    mutating func didOutput() {
        if case .quotedValue(let quote, _) = state { state = .quotedValue(quote: quote, atStart: false) }
    }

    static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 32 : c }
    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D || c == 0x0C }
    static func isLetter(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) }

    mutating func feed(_ bytes: ArraySlice<UInt8>) {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            i = step(bytes, at: i)
        }
    }

    /// Consumes one byte (or a few, for `<!--` and `-->`); returns the next index.
    private mutating func step(_ b: ArraySlice<UInt8>, at i: Int) -> Int {
        let c = b[i]
        switch state {
        case .text:
            if c == UInt8(ascii: "<") { state = .afterLessThan }
        case .afterLessThan:
            if Self.isLetter(c) {
                state = .tagName
                tag = [Self.lower(c)]
                typeValue = nil
            } else if c == UInt8(ascii: "/") {
                state = .endTag
            } else if c == UInt8(ascii: "!") {
                state = .markupDeclaration(dashes: 0)
            } else if c == UInt8(ascii: "<") {
                state = .afterLessThan
            } else {
                state = .text
            }
        case .markupDeclaration(let dashes):
            if c == UInt8(ascii: "-") {
                if dashes == 1 {
                    state = .comment
                    // `<!-->` and `<!--->` are complete (empty) comments.
                    if b[(i + 1)...].starts(with: ">".utf8) { state = .text; return i + 2 }
                    if b[(i + 1)...].starts(with: "->".utf8) { state = .text; return i + 3 }
                } else {
                    state = .markupDeclaration(dashes: 1)
                }
            } else {
                state = c == UInt8(ascii: ">") ? .text : .bogusComment
            }
        case .bogusComment:
            if c == UInt8(ascii: ">") { state = .text }
        case .tagName:
            if Self.isSpace(c) { state = .insideTag }
            else if c == UInt8(ascii: ">") { closeTag() }
            else if c == UInt8(ascii: "/") { state = .insideTag }
            else { tag.append(Self.lower(c)) }
        case .insideTag:
            if c == UInt8(ascii: ">") { closeTag() }
            else if !Self.isSpace(c) && c != UInt8(ascii: "/") {
                state = .attributeName
                attribute = [Self.lower(c)]
            }
        case .attributeName:
            if c == UInt8(ascii: "=") { state = .beforeValue }
            else if Self.isSpace(c) { state = .afterAttributeName }
            else if c == UInt8(ascii: ">") { closeTag() }
            else if c == UInt8(ascii: "/") { state = .insideTag }
            else { attribute.append(Self.lower(c)) }
        case .afterAttributeName:
            if c == UInt8(ascii: "=") { state = .beforeValue }
            else if c == UInt8(ascii: ">") { closeTag() }
            else if !Self.isSpace(c) && c != UInt8(ascii: "/") {
                state = .attributeName
                attribute = [Self.lower(c)]
            }
        case .beforeValue:
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { state = .quotedValue(quote: c, atStart: true); value = [] }
            else if c == UInt8(ascii: ">") { closeTag() }
            else if !Self.isSpace(c) { state = .unquotedValue; value = [c] }
        case .quotedValue(let quote, _):
            if c == quote { endValue() } else { state = .quotedValue(quote: quote, atStart: false); value.append(c) }
        case .unquotedValue:
            if Self.isSpace(c) { endValue() }
            else if c == UInt8(ascii: ">") { endValue(); closeTag() }
            else { value.append(c) }
        case .rawText:
            // Look for `</tag` (case-insensitive) followed by whitespace, `/` or `>`, as
            // browsers do; anything else stays raw text.
            let close = [UInt8(ascii: "<"), UInt8(ascii: "/")] + tag
            if closeMatch == close.count {
                if Self.isSpace(c) || c == UInt8(ascii: "/") { state = .endTag; closeMatch = 0 }
                else if c == UInt8(ascii: ">") { state = .text; closeMatch = 0 }
                else { closeMatch = Self.lower(c) == close[0] ? 1 : 0 }
            } else if Self.lower(c) == close[closeMatch] {
                closeMatch += 1
            } else {
                closeMatch = Self.lower(c) == close[0] ? 1 : 0
            }
        case .comment:
            if b[i...].starts(with: "-->".utf8) { state = .text; return i + 3 }
            if b[i...].starts(with: "--!>".utf8) { state = .text; return i + 4 }
        case .endTag:
            if c == UInt8(ascii: ">") { state = .text }
        }
        return i + 1
    }

    private mutating func endValue() {
        if attribute == Array("type".utf8) { typeValue = value.map(Self.lower) }
        state = .insideTag
    }

    private mutating func closeTag() {
        if Self.rawTextTags.contains(tag) {
            let json = tag == Array("script".utf8) && typeValue == Array("application/json".utf8)
            state = .rawText(json: json)
            closeMatch = 0
        } else {
            state = .text
        }
    }

    /// Two contexts are the same for the purposes of branches and loops.
    func sameState(as other: HTMLContext) -> Bool {
        guard state == other.state else { return false }
        switch state {
        case .text, .comment, .endTag, .afterLessThan, .markupDeclaration, .bogusComment: return true
        case .rawText: return tag == other.tag && closeMatch == other.closeMatch
        default: return tag == other.tag && attribute == other.attribute && typeValue == other.typeValue
        }
    }
}
