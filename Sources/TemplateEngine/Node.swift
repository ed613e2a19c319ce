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

extension Node {
    /// The node lists nested in this node: a block's body, an `if`'s branches and `else`,
    /// a loop's body and `empty`.
    var children: [[Node]] {
        switch self {
        case .block(_, let body, _): [body]
        case .conditional(let branches, let otherwise, _): branches.map(\.body) + (otherwise.map { [$0] } ?? [])
        case .loop(_, _, let body, let empty, _): [body] + (empty.map { [$0] } ?? [])
        case .text, .output, .include: []
        }
    }

    /// This node with each nested node list replaced by `transform` of it: the one tree walk
    /// the linker's passes share.
    func mapChildren<E: Error>(_ transform: ([Node]) throws(E) -> [Node]) throws(E) -> Node {
        switch self {
        case .block(let name, let body, let site):
            return .block(name: name, body: try transform(body), site: site)
        case .conditional(let branches, let otherwise, let site):
            var mapped: [(condition: Expression, body: [Node])] = []
            for branch in branches { mapped.append((branch.condition, try transform(branch.body))) }
            return .conditional(mapped, otherwise: try otherwise.map { (o) throws(E) in try transform(o) }, site: site)
        case .loop(let variable, let sequence, let body, let empty, let site):
            return .loop(variable: variable, sequence: sequence, body: try transform(body),
                         empty: try empty.map { (e) throws(E) in try transform(e) }, site: site)
        case .text, .output, .include:
            return self
        }
    }
}
