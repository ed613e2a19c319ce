/// Where a node came from, for errors.
struct Site: Sendable {
    let source: SourceText
    let offset: Int
    func error(_ code: TemplateError.Code, _ message: String, hint: String) -> TemplateError {
        source.error(code, at: offset, message, hint: hint)
    }
}

/// How an output is escaped, decided at start-up from where it lands.
enum Escaper: Sendable, Equatable {
    /// Plain-text templates (emails' text parts): nothing to escape.
    case none
    case html
    case attribute
    /// At the start of a URL attribute: the scheme is checked, then attribute-escaped.
    case urlStart
    /// Later in a URL attribute: percent-encoded.
    case urlPart
    /// Inside `<script type="application/json">`, from the `json` filter.
    case json
}

/// The compiled form of a template: what rendering walks.
indirect enum Node: Sendable {
    case text([UInt8])
    case output(Expression, Escaper, Site)
    case conditional([(condition: Expression, body: [Node])], otherwise: [Node]?, site: Site)
    case loop(variable: String, sequence: Expression, body: [Node], empty: [Node]?, site: Site)
    case block(name: String, body: [Node], site: Site)
    /// `template` is an index into the library, resolved at start-up.
    case include(name: String, template: Int, arguments: [(name: String, value: Expression)], site: Site)
}
