import Foundation

/// The filters, checked at start-up (name and arguments) so a typo never reaches a render.
enum Filter: Sendable, Equatable {
    case upper, lower, length
    /// `default: value`: the argument when the value is nil or empty.
    case `default`
    /// `truncate: n`: at most n characters, with "…" when cut.
    case truncate
    /// `pluralize: "order", "orders"`: the singular for 1, the plural otherwise.
    case pluralize
    /// `date: "yyyy-MM-dd HH:mm"`: UTC; the pattern is compiled once.
    case date(DatePattern)
    /// `money: "EUR"`: integer minor units as an amount with the currency code.
    case money
    /// `json`: the value as JSON, safe inside `<script type="application/json">`.
    case json

    static let names = ["upper", "lower", "length", "default", "truncate", "pluralize", "date", "money", "json"]

    static func make(_ name: String, arguments: [Expression], at offset: Int, source: SourceText) throws(TemplateError) -> Filter {
        func arity(_ expected: Int, _ usage: String) throws(TemplateError) {
            guard arguments.count == expected else {
                throw source.error(.badFilterArguments, at: offset,
                                   "`\(name)` takes \(expected) argument\(expected == 1 ? "" : "s"), not \(arguments.count).",
                                   hint: "Write `| \(usage)`.")
            }
        }
        switch name {
        case "upper": try arity(0, "upper"); return .upper
        case "lower": try arity(0, "lower"); return .lower
        case "length": try arity(0, "length"); return .length
        case "json": try arity(0, "json"); return .json
        case "default": try arity(1, "default: \"—\""); return .default
        case "truncate":
            try arity(1, "truncate: 40")
            guard case .literal(.int(let n)) = arguments[0], n > 0 else {
                throw source.error(.badFilterArguments, at: offset, "`truncate` needs a positive integer literal.", hint: "Write `| truncate: 40`.")
            }
            return .truncate
        case "pluralize": try arity(2, "pluralize: \"order\", \"orders\""); return .pluralize
        case "money": try arity(1, "money: \"EUR\" (or money: order.currency)"); return .money
        case "date":
            try arity(1, "date: \"yyyy-MM-dd\"")
            guard case .literal(.string(let pattern)) = arguments[0] else {
                throw source.error(.badFilterArguments, at: offset, "`date` needs a literal pattern.", hint: "Write `| date: \"yyyy-MM-dd HH:mm\"`.")
            }
            guard let compiled = DatePattern(pattern) else {
                throw source.error(.badFilterArguments, at: offset, "The date pattern \"\(pattern)\" has an unknown field.",
                                   hint: "Use yyyy, MM, MMM, dd, HH, mm, ss and literal text.")
            }
            return .date(compiled)
        default:
            let suggestion = names.min { editDistance($0, name) < editDistance($1, name) } ?? "upper"
            throw source.error(.unknownFilter, at: offset, "There is no filter named `\(name)`.",
                               hint: "Did you mean `\(suggestion)`? Filters: \(names.joined(separator: ", ")).")
        }
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }

    /// Applies the filter; `arguments` are already evaluated.
    func apply(_ value: TemplateValue, _ arguments: [TemplateValue]) throws(FilterFailure) -> TemplateValue {
        switch self {
        case .upper: return .string(value.text.uppercased())
        case .lower: return .string(value.text.lowercased())
        case .length:
            switch value {
            case .array(let a): return .int(a.count)
            case .object(let o): return .int(o.count)
            case .record(let r): return .int(r.fields.count)
            case .string(let s): return .int(s.count)
            default: throw FilterFailure("`length` needs a list, an object or a string, not \(value.typeName).")
            }
        case .default: return value.isTruthy || value == .bool(false) || value == .int(0) ? value : arguments[0]
        case .truncate:
            guard case .int(let limit) = arguments[0] else { return value }
            let text = value.text
            return text.count <= limit ? .string(text) : .string(String(text.prefix(max(0, limit - 1))) + "…")
        case .pluralize:
            guard case .int(let n) = value else {
                throw FilterFailure("`pluralize` needs an integer, not \(value.typeName).")
            }
            return n == 1 ? arguments[0] : arguments[1]
        case .date(let pattern):
            guard case .date(let date) = value else {
                throw FilterFailure("`date` needs a date, not \(value.typeName).")
            }
            return .string(pattern.format(date))
        case .money:
            guard case .int(let minor) = value else {
                throw FilterFailure("`money` needs an amount in integer minor units (cents), not \(value.typeName).")
            }
            guard case .string(let currency) = arguments[0], currency.count == 3,
                  currency.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
                throw FilterFailure("`money` needs a three-letter ISO 4217 currency code, not \(arguments[0].text.isEmpty ? arguments[0].typeName : "\"\(arguments[0].text)\"").")
            }
            return .string(Money.format(minor: minor, currency: currency))
        case .json:
            return .safeJSON(JSONText.encode(value))
        }
    }
}

struct FilterFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension TemplateValue {
    /// JSON text produced by the `json` filter; already safe for a script data block.
    static func safeJSON(_ text: String) -> TemplateValue { .safeHTML(SafeHTML(unsafe: text)) }
}

/// Integer minor units as `1,234.56 EUR`, with the currency's number of decimals.
enum Money {
    static let zeroDecimal: Set<String> = ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]
    static let threeDecimal: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]

    static func format(minor: Int, currency: String) -> String {
        let decimals = zeroDecimal.contains(currency) ? 0 : threeDecimal.contains(currency) ? 3 : 2
        let negative = minor < 0
        let magnitude = minor.magnitude
        var divisor: UInt = 1
        for _ in 0..<decimals { divisor *= 10 }
        let whole = String(magnitude / divisor)
        var grouped = ""
        for (i, c) in whole.enumerated() {
            if i > 0 && (whole.count - i) % 3 == 0 { grouped.append(",") }
            grouped.append(c)
        }
        var text = (negative ? "-" : "") + grouped
        if decimals > 0 {
            let fraction = String(magnitude % divisor)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return "\(text) \(currency)"
    }
}

/// A date pattern compiled once: `yyyy`, `MM`, `MMM`, `dd`, `HH`, `mm`, `ss`, and literal
/// text (anything else; letters other than those fields are refused to catch typos). UTC.
struct DatePattern: Sendable, Equatable {
    enum Part: Sendable, Equatable { case literal(String), year, month, monthName, day, hour, minute, second }
    let parts: [Part]

    static let iso8601 = DatePattern("yyyy-MM-dd'T'HH:mm:ss'Z'")!
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    init?(_ pattern: String) {
        var parts: [Part] = []
        var chars = Array(pattern)[...]
        while let c = chars.first {
            if c == "'" {
                chars = chars.dropFirst()
                let literal = chars.prefix { $0 != "'" }
                parts.append(.literal(String(literal)))
                chars = chars.dropFirst(literal.count + 1)
                continue
            }
            let run = chars.prefix { $0 == c }
            chars = chars.dropFirst(run.count)
            switch (c, run.count) {
            case ("y", 4): parts.append(.year)
            case ("M", 2): parts.append(.month)
            case ("M", 3): parts.append(.monthName)
            case ("d", 2): parts.append(.day)
            case ("H", 2): parts.append(.hour)
            case ("m", 2): parts.append(.minute)
            case ("s", 2): parts.append(.second)
            case (let c, _) where c.isLetter: return nil
            default: parts.append(.literal(String(run)))
            }
        }
        self.parts = parts
    }

    /// In UTC, by arithmetic on the seconds since 1970 (Howard Hinnant's days-to-civil): a
    /// Gregorian calendar and its components per date showed in the profile of a page of 50 rows.
    func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400  // rounded down
        let second = seconds - days * 86_400
        let (year, month, day) = Self.civil(days: days)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var out = ""
        for part in parts {
            switch part {
            case .literal(let s): out += s
            case .year: out += String(year)
            case .month: out += two(month)
            case .monthName: out += Self.monthNames[Int(month) - 1]
            case .day: out += two(day)
            case .hour: out += two(second / 3600)
            case .minute: out += two(second % 3600 / 60)
            case .second: out += two(second % 60)
            }
        }
        return out
    }

    /// The proleptic Gregorian date `days` after 1970-01-01.
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// JSON for script data blocks: `<`, `>`, `&`, `'` and the JavaScript line separators are
/// written as `\u` escapes, so the text can never close the script element or open markup.
enum JSONText {
    static func encode(_ value: TemplateValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    static func write(_ value: TemplateValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let n): out += String(n)
        case .double(let d): out += d.isFinite ? String(d) : "null"
        case .string(let s): string(s, into: &out)
        case .date: string(value.text, into: &out)
        case .safeHTML(let h): string(h.html, into: &out)
        case .array(let a):
            out += "["
            for (i, element) in a.enumerated() {
                if i > 0 { out += "," }
                write(element, into: &out)
            }
            out += "]"
        case .record(let r):
            write(.object(r.fields), into: &out)
        case .object(let o):
            out += "{"
            for (i, key) in o.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                string(key, into: &out)
                out += ":"
                write(o[key]!, into: &out)
            }
            out += "}"
        }
    }

    static func string(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "'": out += "\\u0027"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
