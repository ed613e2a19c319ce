/// Splits a SQL script into statements. PostgresNIO speaks only the extended query protocol,
/// which takes one statement at a time, so migration files are split here: on `;` outside
/// quotes ('…', E'…', "…", $tag$…$tag$) and comments (-- …, /* … */, nested).
/// Not understood: SQL-standard `BEGIN ATOMIC … END` function bodies; write those with `$$`.
public enum SQLScript {
    public static func statements(in script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        let chars = Array(script.unicodeScalars)
        var i = 0
        func flush() {
            let trimmed = current.trimmingSQLWhitespace()
            if !trimmed.isEmpty { statements.append(trimmed) }
            current = ""
        }
        while i < chars.count {
            let c = chars[i]
            let next = i + 1 < chars.count ? chars[i + 1] : nil
            switch c {
            case "-" where next == "-":
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            case "/" where next == "*":
                var depth = 0
                repeat {
                    if chars[i] == "/" && i + 1 < chars.count && chars[i + 1] == "*" { depth += 1; i += 2 }
                    else if chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/" { depth -= 1; i += 2 }
                    else { i += 1 }
                } while depth > 0 && i < chars.count
                current.unicodeScalars.append(" ")
                continue
            case "'", "\"":
                // E'…' strings take backslash escapes (E'it\'s').
                let escapes = c == "'" && i > 0 && (chars[i - 1] == "E" || chars[i - 1] == "e")
                    && (i < 2 || !(chars[i - 2].properties.isAlphabetic || ("0"..."9").contains(chars[i - 2]) || chars[i - 2] == "_"))
                let end = closingIndex(of: c, in: chars, from: i + 1, backslashEscapes: escapes)
                current.unicodeScalars.append(contentsOf: chars[i..<end])
                i = end
                continue
            case "$":
                if let tag = dollarTag(in: chars, at: i) {
                    let end = closingIndex(ofTag: tag, in: chars, from: i + tag.count)
                    current.unicodeScalars.append(contentsOf: chars[i..<end])
                    i = end
                    continue
                }
            case ";":
                flush()
                i += 1
                continue
            default:
                break
            }
            current.unicodeScalars.append(c)
            i += 1
        }
        flush()
        return statements
    }

    /// The index just past the closing quote; a doubled quote is an escaped one.
    private static func closingIndex(of quote: Unicode.Scalar, in chars: [Unicode.Scalar], from start: Int,
                                     backslashEscapes: Bool = false) -> Int {
        var i = start
        while i < chars.count {
            if backslashEscapes && chars[i] == "\\" { i += 2; continue }
            if chars[i] == quote {
                if i + 1 < chars.count && chars[i + 1] == quote { i += 2; continue }
                return i + 1
            }
            i += 1
        }
        return chars.count
    }

    /// `$$` or `$tag$` starting at `i`, as scalars.
    private static func dollarTag(in chars: [Unicode.Scalar], at i: Int) -> [Unicode.Scalar]? {
        // A `$` right after an identifier character is part of a name or a `$1` parameter.
        if i > 0, chars[i - 1].properties.isAlphabetic || ("0"..."9").contains(chars[i - 1]) || chars[i - 1] == "_" {
            return nil
        }
        var j = i + 1
        while j < chars.count, chars[j] == "_" || chars[j].properties.isAlphabetic || (j > i + 1 && ("0"..."9").contains(chars[j])) {
            j += 1
        }
        guard j < chars.count, chars[j] == "$" else { return nil }
        return Array(chars[i...j])
    }

    private static func closingIndex(ofTag tag: [Unicode.Scalar], in chars: [Unicode.Scalar], from start: Int) -> Int {
        var i = start
        while i + tag.count <= chars.count {
            if chars[i..<(i + tag.count)].elementsEqual(tag) { return i + tag.count }
            i += 1
        }
        return chars.count
    }
}

extension String {
    func trimmingSQLWhitespace() -> String {
        let scalars = unicodeScalars.drop { $0.properties.isWhitespace }
        let trimmed = scalars.reversed().drop { $0.properties.isWhitespace }
        return String(String.UnicodeScalarView(trimmed.reversed()))
    }
}
