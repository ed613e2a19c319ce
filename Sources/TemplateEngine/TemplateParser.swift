/// One template, parsed: its nodes, its blocks and the layout it extends, if any.
struct ParsedTemplate: Sendable {
    let name: String
    let source: SourceText
    let isHTML: Bool
    let extends: (name: String, site: Site)?
    let nodes: [Node]
}

/// Builds nodes from tokens: `if` / `else if` / `else` / `endif`, `for … in …` / `empty` /
/// `endfor`, `block` / `endblock`, `extends`, `include … with …`.
struct TemplateParser {
    let source: SourceText
    let tokens: [Lexer.Token]
    var index = 0
    /// Open `if` / `for` / `block` tags: bounded so that no template can exhaust the stack
    /// of the recursive parse, check or render.
    var depth = 0
    static let maximumDepth = 48

    static func parse(name: String, text: String) throws(TemplateError) -> ParsedTemplate {
        let source = SourceText(name: name, text: text)
        var parser = TemplateParser(source: source, tokens: try Lexer(source: source).tokens())
        var extends: (name: String, site: Site)?
        // `extends` must come first (whitespace aside).
        if let first = parser.tokens.first(where: { $0.kind != .text || !$0.bytes.allSatisfy(Lexer.isSpace) }),
           first.kind == .tag, first.bytes.starts(with: "extends".utf8) {
            var expression = try ExpressionParser(first.bytes.dropFirst(7), source: source)
            let site = Site(source: source, offset: first.offset)
            extends = (try expression.string("the layout's name"), site)
            try expression.expectEnd()
            parser.index = parser.tokens.firstIndex(where: { $0.offset == first.offset })! + 1
        }
        let (nodes, terminator) = try parser.parseNodes(until: [])
        assert(terminator == nil)
        return ParsedTemplate(name: name, source: source, isHTML: !name.hasSuffix(".txt"), extends: extends, nodes: nodes)
    }

    /// Parses until one of `terminators` (returned with its site) or the end of the tokens.
    mutating func parseNodes(until terminators: Set<String>) throws(TemplateError) -> ([Node], (word: String, rest: ArraySlice<UInt8>, site: Site)?) {
        var nodes: [Node] = []
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            let site = Site(source: source, offset: token.offset)
            switch token.kind {
            case .text:
                nodes.append(.text(Array(token.bytes)))
            case .output:
                var expression = try ExpressionParser(token.bytes, source: source)
                let parsed = try expression.parseExpression()
                try expression.expectEnd()
                nodes.append(.output(parsed, .html, site))
            case .tag:
                let (word, rest) = Self.splitWord(token.bytes)
                if terminators.contains(word) { return (nodes, (word, rest, site)) }
                nodes.append(try parseTag(word, rest, site))
            }
        }
        if let expected = terminators.first(where: { $0.hasPrefix("end") }) {
            throw source.error(.unclosedTag, at: source.bytes.count, "The template ends before `{% \(expected) %}`.",
                               hint: "Close every `if`, `for` and `block` with its end tag.")
        }
        return (nodes, nil)
    }

    mutating func parseTag(_ word: String, _ rest: ArraySlice<UInt8>, _ site: Site) throws(TemplateError) -> Node {
        if ["if", "for", "block"].contains(word) {
            depth += 1
            guard depth <= Self.maximumDepth else {
                throw site.error(.tooDeep, "Tags are nested more than \(Self.maximumDepth) deep here.",
                                 hint: "Move the inner part into a partial, or compute it in Swift.")
            }
        }
        defer { if ["if", "for", "block"].contains(word) { depth -= 1 } }
        switch word {
        case "if":
            var branches: [(condition: Expression, body: [Node])] = []
            var condition = try Self.expression(rest, source)
            var otherwise: [Node]?
            while true {
                let (body, end) = try parseNodes(until: ["else", "elif", "endif"])
                branches.append((condition, body))
                guard let end else { break }
                if end.word == "endif" { break }
                let (next, nextRest) = Self.splitWord(end.rest)
                if end.word == "elif" || next == "if" {
                    condition = try Self.expression(end.word == "elif" ? end.rest : nextRest, source)
                    continue
                }
                guard end.rest.isEmpty else {
                    throw end.site.error(.badExpression, "`else` takes nothing after it (did you mean `else if`?).", hint: "Write `{% else if condition %}` or `{% else %}`.")
                }
                let (elseBody, final) = try parseNodes(until: ["endif", "else", "elif"])
                guard final?.word == "endif" else {
                    throw (final?.site ?? site).error(.unexpectedTag, "Nothing may follow `else` but `endif`.", hint: "Move this branch before `{% else %}`.")
                }
                otherwise = elseBody
                break
            }
            return .conditional(branches, otherwise: otherwise, site: site)
        case "for":
            var expression = try ExpressionParser(rest, source: source)
            let variable = try expression.name("the loop variable")
            guard expression.take("in") else {
                throw expression.failure("Expected `in` after the loop variable.", hint: "Write `{% for order in orders %}`.")
            }
            let sequence = try expression.parseExpression()
            try expression.expectEnd()
            let (body, end) = try parseNodes(until: ["empty", "endfor"])
            var empty: [Node]?
            if end?.word == "empty" {
                let (emptyBody, _) = try parseNodes(until: ["endfor"])
                empty = emptyBody
            }
            return .loop(variable: variable, sequence: sequence, body: body, empty: empty, site: site)
        case "block":
            var expression = try ExpressionParser(rest, source: source)
            let name = try expression.name("the block's name")
            try expression.expectEnd()
            let (body, _) = try parseNodes(until: ["endblock"])
            return .block(name: name, body: body, site: site)
        case "include":
            var expression = try ExpressionParser(rest, source: source)
            let name = try expression.string("the partial's name")
            var arguments: [(name: String, value: Expression)] = []
            if expression.take("with") {
                repeat {
                    let argument = try expression.name("an argument name")
                    try expression.expect("=", "`=` after the argument name")
                    arguments.append((argument, try expression.parseExpression()))
                } while expression.take(",")
            }
            try expression.expectEnd()
            return .include(name: name, template: -1, arguments: arguments, site: site)
        case "extends":
            throw site.error(.badLayout, "`extends` must be the first thing in a template.", hint: "Move it to the top.")
        case "else", "elif", "endif", "empty", "endfor", "endblock":
            throw site.error(.unexpectedTag, "`\(word)` does not close anything open here.", hint: "Check that each `if`, `for` and `block` is opened before it is closed.")
        default:
            throw site.error(.unknownTag, "There is no tag named `\(word)`.",
                             hint: "Tags: if, else if, else, endif, for, empty, endfor, block, endblock, extends, include.")
        }
    }

    static func expression(_ bytes: ArraySlice<UInt8>, _ source: SourceText) throws(TemplateError) -> Expression {
        var parser = try ExpressionParser(bytes, source: source)
        let expression = try parser.parseExpression()
        try parser.expectEnd()
        return expression
    }

    static func splitWord(_ bytes: ArraySlice<UInt8>) -> (String, ArraySlice<UInt8>) {
        let word = bytes.prefix { !Lexer.isSpace($0) }
        return (String(decoding: word, as: UTF8.self), Lexer.trim(bytes[word.endIndex...]))
    }
}
