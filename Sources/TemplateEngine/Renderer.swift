/// Walks compiled nodes and appends bytes. Variables resolve against loop and include
/// locals (innermost first), then the model; strict: an unknown name is an error.
struct Renderer {
    let library: TemplateLibrary
    let root: TemplateValue
    var output: [UInt8] = []
    var iterations = 0

    init(library: TemplateLibrary, root: TemplateValue) {
        self.library = library
        self.root = root
    }

    typealias Locals = [Local]

    /// A loop or include variable. A loop's `loop` variable keeps only its position: its fields
    /// are made when a template reads one (an object per iteration was a dictionary of five to
    /// hash for every row of every list).
    struct Local {
        let name: String
        var value: TemplateValue
        var position: LoopPosition?

        init(_ name: String, _ value: TemplateValue, position: LoopPosition? = nil) {
            self.name = name
            self.value = value
            self.position = position
        }

        /// The variable's value (a loop position as its object).
        var resolved: TemplateValue { position?.object ?? value }
    }

    struct LoopPosition {
        var index0: Int
        let length: Int

        func field(_ name: String) -> TemplateValue? {
            switch name {
            case "index": .int(index0 + 1)
            case "index0": .int(index0)
            case "first": .bool(index0 == 0)
            case "last": .bool(index0 == length - 1)
            case "length": .int(length)
            default: nil
            }
        }

        var object: TemplateValue {
            .object(["index": .int(index0 + 1), "index0": .int(index0), "first": .bool(index0 == 0),
                     "last": .bool(index0 == length - 1), "length": .int(length)])
        }
    }

    mutating func render(_ nodes: [Node], locals: Locals) throws(TemplateError) {
        for node in nodes {
            switch node {
            case .text(let bytes):
                output.append(contentsOf: bytes)
            case .output(let expression, let escaper, let site):
                let value = try evaluate(expression, locals, site)
                Escaping.write(value, escaper, into: &output)
            case .conditional(let branches, let otherwise, let site):
                var matched = false
                for branch in branches where try evaluate(branch.condition, locals, site).isTruthy {
                    try render(branch.body, locals: locals)
                    matched = true
                    break
                }
                if !matched, let otherwise { try render(otherwise, locals: locals) }
            case .loop(let variable, let sequence, let body, let empty, let site):
                let items: [TemplateValue]
                switch try evaluate(sequence, locals, site) {
                case .array(let array): items = array
                case .null: items = []
                case let other:
                    throw site.error(.notIterable, "`for` needs a list, but this is \(other.typeName).",
                                     hint: "Loop over an array property of the model.")
                }
                if items.isEmpty {
                    if let empty { try render(empty, locals: locals) }
                    continue
                }
                var inner = locals
                inner.append(Local(variable, .null))
                inner.append(Local("loop", .null, position: LoopPosition(index0: 0, length: items.count)))
                for (i, item) in items.enumerated() {
                    try spend(site)
                    inner[inner.count - 2].value = item
                    inner[inner.count - 1].position?.index0 = i
                    try render(body, locals: inner)
                }
            case .block(_, let body, _):
                try render(body, locals: locals)
            case .include(_, let template, let arguments, let site):
                var inner: Locals = []
                for argument in arguments { inner.append(Local(argument.name, try evaluate(argument.value, locals, site))) }
                try spend(site)
                try render(library.templates[template].nodes, locals: inner)
            }
        }
    }

    /// Counts one loop iteration or include, and stops the render past the library's limits.
    mutating func spend(_ site: Site) throws(TemplateError) {
        iterations += 1
        let limits = library.limits
        guard iterations <= limits.maximumLoopIterations, output.count <= limits.maximumOutputBytes else {
            throw site.error(.budgetExceeded, "This render passed \(limits.maximumLoopIterations) loop iterations or \(limits.maximumOutputBytes) bytes.",
                             hint: "Paginate the list, or raise TemplateLibrary.Limits if the page really is that large.")
        }
    }

    func evaluate(_ expression: Expression, _ locals: Locals, _ site: Site) throws(TemplateError) -> TemplateValue {
        switch expression {
        case .literal(let value):
            return value
        case .path(let path, let offset):
            return try lookup(path, locals, Site(source: site.source, offset: offset))
        case .filter(let input, let filter, let arguments, let offset):
            let value = try evaluate(input, locals, site)
            var evaluated: [TemplateValue] = []
            for argument in arguments { evaluated.append(try evaluate(argument, locals, site)) }
            do {
                return try filter.apply(value, evaluated)
            } catch {
                throw Site(source: site.source, offset: offset).error(.wrongType, error.message, hint: "Check the value's type in the model.")
            }
        case .not(let inner):
            return .bool(!(try evaluate(inner, locals, site).isTruthy))
        case .and(let a, let b):
            guard try evaluate(a, locals, site).isTruthy else { return .bool(false) }
            return .bool(try evaluate(b, locals, site).isTruthy)
        case .or(let a, let b):
            if try evaluate(a, locals, site).isTruthy { return .bool(true) }
            return .bool(try evaluate(b, locals, site).isTruthy)
        case .compare(let a, let comparison, let b):
            return .bool(try Self.compare(evaluate(a, locals, site), comparison, evaluate(b, locals, site)))
        }
    }

    func lookup(_ path: [String], _ locals: Locals, _ site: Site) throws(TemplateError) -> TemplateValue {
        var value: TemplateValue
        var next = 1  // the first name of `path` not yet followed
        if let local = locals.last(where: { $0.name == path[0] }) {
            if let position = local.position, path.count > 1, let field = position.field(path[1]) {
                value = field
                next = 2
            } else {
                value = local.resolved
            }
        } else if let found = root.field(path[0]) {
            value = found
        } else if !library.strict {
            return .null
        } else {
            throw site.error(.unknownVariable, "There is no variable named `\(path[0])`.",
                             hint: "Add it to the model, or check the spelling. Use `| default: …` for optional values.")
        }
        for i in next..<path.count {
            let key = path[i]
            guard let found = value.field(key) else {
                if !library.strict { return .null }
                if value == .null {
                    throw site.error(.unknownVariable, "`\(path[..<i].joined(separator: "."))` is nil, so it has no `\(key)`.",
                                     hint: "Guard it with {% if \(path[..<i].joined(separator: ".")) %}.")
                }
                throw site.error(.unknownVariable, "`\(path[..<i].joined(separator: "."))` has no `\(key)`.",
                                 hint: "Check the spelling against the model.")
            }
            value = found
        }
        return value
    }

    static func compare(_ a: TemplateValue, _ comparison: Expression.Comparison, _ b: TemplateValue) -> Bool {
        switch comparison {
        case .equal: return equal(a, b)
        case .notEqual: return !equal(a, b)
        default:
            let order: Int
            switch (a, b) {
            case (.int(let x), .int(let y)): order = x < y ? -1 : x > y ? 1 : 0
            case (.int, .double), (.double, .int), (.double, .double):
                let x = number(a), y = number(b)
                order = x < y ? -1 : x > y ? 1 : 0
            case (.string(let x), .string(let y)): order = x < y ? -1 : x > y ? 1 : 0
            case (.date(let x), .date(let y)): order = x < y ? -1 : x > y ? 1 : 0
            default: return false
            }
            switch comparison {
            case .less: return order < 0
            case .greater: return order > 0
            case .lessOrEqual: return order <= 0
            default: return order >= 0
            }
        }
    }

    static func number(_ v: TemplateValue) -> Double {
        switch v {
        case .int(let n): Double(n)
        case .double(let d): d
        default: .nan
        }
    }

    static func equal(_ a: TemplateValue, _ b: TemplateValue) -> Bool {
        switch (a, b) {
        case (.int, .double), (.double, .int): number(a) == number(b)
        default: a == b
        }
    }
}

/// Writes a value escaped for where it lands.
enum Escaping {
    static func write(_ value: TemplateValue, _ escaper: Escaper, into out: inout [UInt8]) {
        switch (escaper, value) {
        case (.none, _), (.json, _): out.append(contentsOf: value.text.utf8)
        case (.html, .safeHTML(let html)): out.append(contentsOf: html.html.utf8)
        case (.html, _), (.attribute, _): html(value.text, into: &out)
        case (.urlStart, _): html(safeURL(value.text), into: &out)
        case (.urlPart, _): percentEncode(value.text, into: &out)
        }
    }

    /// Escapes the five characters that can end text or a quoted attribute value (and NUL).
    /// Runs of bytes that need nothing are copied whole.
    static func html(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (i, c) in bytes.enumerated() {
                let replacement: StaticString
                switch c {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "\""): replacement = "&#34;"
                case UInt8(ascii: "'"): replacement = "&#39;"
                case 0: replacement = "\u{FFFD}"
                default: continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                out.append(contentsOf: UnsafeBufferPointer(start: replacement.utf8Start, count: replacement.utf8CodeUnitCount))
                start = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
    }

    static let blocked = "about:invalid#keel-blocked"
    static let allowedSchemes: Set<String> = ["http", "https", "mailto", "tel"]

    /// A URL at the start of `href`/`src`/…: relative, or with an allowed scheme; anything
    /// else (`javascript:`, `data:`, `vbscript:` …, however disguised) becomes a dead link.
    /// The scheme is found the way browsers find it (WHATWG URL): leading C0 controls and
    /// spaces dropped, tabs and newlines removed anywhere, then an ASCII letter followed by
    /// letters, digits, `+`, `-` or `.` up to a `:`. Anything else is a relative URL.
    static func safeURL(_ url: String) -> String {
        let significant = url.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }.drop { $0.value <= 0x20 }
        guard let first = significant.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first) else {
            return url
        }
        var scheme = ""
        for scalar in significant {
            if scalar == ":" {
                return allowedSchemes.contains(scheme.lowercased()) ? url : blocked
            }
            guard scalar.isASCII, ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || scalar == "+" || scalar == "-" || scalar == "." else {
                return url  // not a scheme: a relative URL
            }
            scheme.unicodeScalars.append(scalar)
        }
        return url
    }

    /// Percent-encodes all but RFC 3986's unreserved characters: safe as a path segment or a
    /// query value, and in any quoted attribute. Runs of unreserved bytes are copied whole.
    static func percentEncode(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (i, c) in bytes.enumerated() {
                switch c {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                    continue
                default:
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                    out.append(UInt8(ascii: "%"))
                    out.append(hexDigit(c >> 4))
                    out.append(hexDigit(c & 0x0F))
                    start = i + 1
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }
}

/// RFC 3986 percent-encoding: every byte but the unreserved characters (ASCII letters, digits,
/// `-._~`), exactly as a value is written later in a URL attribute. Public for code that builds
/// a link's query itself (the console's page links).
public enum PercentEncoding {
    public static func encode(_ text: String) -> String {
        var encoded: [UInt8] = []
        encoded.reserveCapacity(text.utf8.count)
        Escaping.percentEncode(text, into: &encoded)
        return String(decoding: encoded, as: UTF8.self)
    }
}
