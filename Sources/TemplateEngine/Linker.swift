/// Start-up work after parsing: flattens layouts (a page's blocks replace its layout's),
/// resolves includes to indexes, refuses cycles, and walks each HTML template with an
/// `HTMLContext` to choose every output's escaper, or refuse it.
struct Linker {
    let parsed: [ParsedTemplate]
    let index: [String: Int]
    var flattened: [Int: [Node]] = [:]

    init(parsed: [ParsedTemplate], index: [String: Int]) {
        self.parsed = parsed
        self.index = index
    }

    mutating func link() throws(TemplateError) -> [CompiledTemplate] {
        var result: [CompiledTemplate] = []
        var endsInText: [Bool] = []
        for i in parsed.indices {
            var nodes = try flatten(i, visiting: [])
            nodes = try resolveIncludes(nodes, from: parsed[i])
            if parsed[i].isHTML {
                var context = HTMLContext()
                nodes = try analyse(nodes, &context)
                endsInText.append(context.sameState(as: HTMLContext()))
            } else {
                nodes = Self.plain(nodes)
                endsInText.append(true)
            }
            result.append(CompiledTemplate(name: parsed[i].name, nodes: nodes, sizeHint: parsed[i].source.bytes.count * 2))
        }
        // The analysis assumed every include returns to HTML text; hold each included template to it.
        for template in result {
            for (target, site) in Self.includes(template.nodes) where !endsInText[target] {
                throw site.error(.contextMismatch, "\"\(parsed[target].name)\" does not end in HTML text, so what follows this include would be escaped for the wrong place.",
                                 hint: "Close every tag, attribute and comment the included template opens.")
            }
        }
        try checkIncludeCycles(result)
        return result
    }

    static func includes(_ nodes: [Node]) -> [(Int, Site)] {
        nodes.flatMap { node -> [(Int, Site)] in
            if case .include(_, let target, _, let site) = node { return [(target, site)] }
            return node.children.flatMap(includes)
        }
    }

    func resolve(_ name: String, from template: ParsedTemplate, site: Site, code: TemplateError.Code) throws(TemplateError) -> Int {
        let ext = template.isHTML ? ".html" : ".txt"
        if let i = index[name] ?? index[name + ext] {
            // An HTML page must not pull in a plain-text template: its outputs are not escaped.
            guard parsed[i].isHTML == template.isHTML else {
                throw site.error(code, "\"\(name)\" is a \(parsed[i].isHTML ? "HTML" : "plain-text") template and cannot be used from a \(template.isHTML ? "HTML" : "plain-text") one.",
                                 hint: "Use a template of the same kind (.html with .html, .txt with .txt).")
            }
            return i
        }
        throw site.error(code, "There is no template named \"\(name)\".",
                         hint: "Templates are named by their path under Templates/, e.g. \"layouts/admin\".")
    }

    // MARK: Layouts

    mutating func flatten(_ i: Int, visiting: Set<Int>) throws(TemplateError) -> [Node] {
        if let done = flattened[i] { return done }
        let template = parsed[i]
        guard let extends = template.extends else {
            try checkDuplicateBlocks(template.nodes)
            flattened[i] = template.nodes
            return template.nodes
        }
        // Block names are unique across the whole page, nested ones included: a block that
        // contained its own name would be substituted into itself forever (found by the fuzzer).
        try checkDuplicateBlocks(template.nodes)
        let parent = try resolve(extends.name, from: template, site: extends.site, code: .unknownTemplate)
        guard !visiting.contains(parent) && parent != i else {
            throw extends.site.error(.cycle, "Layouts extend each other in a circle.", hint: "A layout must not extend, directly or not, a page that extends it.")
        }
        var overrides: [String: [Node]] = [:]
        for node in template.nodes {
            switch node {
            case .block(let name, let body, let site):
                guard overrides[name] == nil else {
                    throw site.error(.duplicateBlock, "Block `\(name)` is defined twice.", hint: "Give each block a unique name.")
                }
                overrides[name] = body
            case .text(let bytes) where bytes.allSatisfy(Lexer.isSpace):
                continue
            case .text, .output, .conditional, .loop, .include:
                throw extends.site.error(.badLayout, "A page that extends a layout may only define blocks.",
                                         hint: "Move this content into a {% block %} that the layout has.")
            }
        }
        let parentNodes = try flatten(parent, visiting: visiting.union([i]))
        var used = Set<String>()
        let nodes = Self.substitute(parentNodes, overrides, &used)
        if let unused = overrides.keys.sorted().first(where: { !used.contains($0) }) {
            throw extends.site.error(.badLayout, "Block `\(unused)` is not in the layout \"\(extends.name)\".",
                                     hint: "Layout blocks are the {% block name %} tags of the layout.")
        }
        flattened[i] = nodes
        return nodes
    }

    func checkDuplicateBlocks(_ nodes: [Node]) throws(TemplateError) {
        var seen = Set<String>()
        func visit(_ nodes: [Node]) throws(TemplateError) {
            for node in nodes {
                if case .block(let name, _, let site) = node, !seen.insert(name).inserted {
                    throw site.error(.duplicateBlock, "Block `\(name)` is defined twice.", hint: "Give each block a unique name.")
                }
                for child in node.children { try visit(child) }
            }
        }
        try visit(nodes)
    }

    static func substitute(_ nodes: [Node], _ overrides: [String: [Node]], _ used: inout Set<String>) -> [Node] {
        nodes.map { node in
            if case .block(let name, _, let site) = node, let replacement = overrides[name] {
                used.insert(name)
                return .block(name: name, body: substitute(replacement, overrides, &used), site: site)
            }
            return node.mapChildren { substitute($0, overrides, &used) }
        }
    }

    // MARK: Includes

    func resolveIncludes(_ nodes: [Node], from template: ParsedTemplate) throws(TemplateError) -> [Node] {
        var result: [Node] = []
        for node in nodes {
            if case .include(let name, _, let arguments, let site) = node {
                let target = try resolve(name, from: template, site: site, code: .unknownTemplate)
                result.append(.include(name: name, template: target, arguments: arguments, site: site))
            } else {
                result.append(try node.mapChildren { (children) throws(TemplateError) in try resolveIncludes(children, from: template) })
            }
        }
        return result
    }

    func checkIncludeCycles(_ compiled: [CompiledTemplate]) throws(TemplateError) {
        let includes = Self.includes
        var state = [Int](repeating: 0, count: compiled.count)  // 0 new, 1 on stack, 2 done
        func visit(_ i: Int) throws(TemplateError) {
            state[i] = 1
            for (target, site) in includes(compiled[i].nodes) {
                if state[target] == 1 {
                    throw site.error(.cycle, "Templates include each other in a circle.", hint: "Break the circle: a partial cannot include, directly or not, itself.")
                }
                if state[target] == 0 { try visit(target) }
            }
            state[i] = 2
        }
        for i in compiled.indices where state[i] == 0 { try visit(i) }
    }

    // MARK: Contexts

    /// Walks `nodes` from `context`, setting each output's escaper.
    func analyse(_ nodes: [Node], _ context: inout HTMLContext) throws(TemplateError) -> [Node] {
        var result: [Node] = []
        for node in nodes {
            switch node {
            case .text(let bytes):
                context.feed(bytes[...])
                result.append(node)
            case .output(let expression, _, let site):
                let escaper: Escaper
                switch context.slot {
                case .text: escaper = .html
                case .attribute: escaper = .attribute
                case .urlStart: escaper = .urlStart
                case .urlPart: escaper = .urlPart
                case .jsonScript:
                    guard expression.outermostFilter == .json else {
                        throw site.error(.outputInScriptOrStyle, "Inside a JSON script block, values must go through `| json`.",
                                         hint: "Write {{ value | json }}.")
                    }
                    escaper = .json
                case .refused(let code, let message, let hint):
                    throw site.error(code, message, hint: hint)
                }
                context.didOutput()
                result.append(.output(expression, escaper, site))
            case .conditional(let branches, let otherwise, let site):
                // Every branch (and the implicit empty `else`) must leave the HTML in the same place.
                let start = context
                var end: HTMLContext?
                var analysed: [(condition: Expression, body: [Node])] = []
                for branch in branches {
                    var branchContext = start
                    analysed.append((branch.condition, try analyse(branch.body, &branchContext)))
                    if let end, !end.sameState(as: branchContext) { throw Self.mismatch(site) }
                    end = branchContext
                }
                var elseContext = start
                let analysedElse = try otherwise.map { (o) throws(TemplateError) in try analyse(o, &elseContext) }
                if let end, !end.sameState(as: elseContext) { throw Self.mismatch(site) }
                result.append(.conditional(analysed, otherwise: analysedElse, site: site))
                context = elseContext
            case .loop(let variable, let sequence, let body, let empty, let site):
                let start = context
                var afterBody = start
                let analysedBody = try analyse(body, &afterBody)
                var afterEmpty = start
                let analysedEmpty = try empty.map { (e) throws(TemplateError) in try analyse(e, &afterEmpty) }
                guard afterBody.sameState(as: start), afterEmpty.sameState(as: start) else {
                    throw site.error(.contextMismatch, "This loop's body ends in a different place of the HTML than it starts.",
                                     hint: "Open and close tags, attributes and quotes inside the loop body.")
                }
                result.append(.loop(variable: variable, sequence: sequence, body: analysedBody, empty: analysedEmpty, site: site))
            case .block(let name, let body, let site):
                result.append(.block(name: name, body: try analyse(body, &context), site: site))
            case .include(_, _, _, let site):
                guard context.slot == .text else {
                    throw site.error(.contextMismatch, "A partial can only be included in HTML text, not inside a tag or attribute.",
                                     hint: "Include it between tags.")
                }
                result.append(node)
            }
        }
        return result
    }

    static func mismatch(_ site: Site) -> TemplateError {
        site.error(.contextMismatch, "The branches of this `if` end in different places of the HTML.",
                   hint: "Open and close tags, attributes and quotes inside the same branch.")
    }

    /// Text templates: no escaping anywhere.
    static func plain(_ nodes: [Node]) -> [Node] {
        nodes.map { node in
            if case .output(let expression, _, let site) = node { return .output(expression, .none, site) }
            return node.mapChildren(plain)
        }
    }
}
