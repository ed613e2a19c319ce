import Foundation
import Mustache
import Stencil
import TemplateEngine

/// Renders both pages with each engine, checks the outputs mean the same, then measures
/// renders per second: rounds alternate engines, the median of the rounds is reported.
@main
struct TemplateBench {
    static func main() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["ROUNDS"] ?? "5") ?? 5
        let seconds = Double(ProcessInfo.processInfo.environment["SECONDS_PER_ROUND"] ?? "1") ?? 1

        let keel = try TemplateLibrary(sources: Keel.sources)
        var mustache = MustacheLibrary()
        for (name, text) in MustacheSources.sources { try mustache.register(text, named: name) }
        let stencilExtension = Extension()
        stencilExtension.registerFilter("escape") { value in escape(stringify(value)) }
        let stencil = Environment(loader: DictionaryLoader(templates: StencilSources.sources), extensions: [stencilExtension])

        let fortunes = FortunesPage.sample, orders = OrdersPage.sample
        let pages: [(name: String, keel: () throws -> String, mustache: () -> String, stencil: () throws -> String)] = [
            ("fortunes", { try keel.render("fortunes.html", fortunes) },
             { mustache.render(fortunes, withTemplate: "fortunes") ?? "" },
             { try stencil.renderTemplate(name: "fortunes.html", context: ["fortunes": fortunes.fortunes]) }),
            ("orders", { try keel.render("orders.html", orders) },
             { mustache.render(orders, withTemplate: "orders") ?? "" },
             { try stencil.renderTemplate(name: "orders.html", context: ["tenant": orders.tenant, "orders": orders.orders]) }),
        ]

        print("# Template engines, side by side\n")
        print("Release build; \(rounds) rounds of \(seconds) s per engine and page, alternating; median renders/s.\n")
        print("| page | TemplateEngine | swift-mustache 2.1.1 | Stencil 0.15.1 | Keel ÷ Mustache | Keel ÷ Stencil |")
        print("|---|---:|---:|---:|---:|---:|")
        for page in pages {
            let k = try page.keel(), m = page.mustache(), s = try page.stencil()
            guard normalize(k) == normalize(m), normalize(k) == normalize(s) else {
                print("OUTPUTS DIFFER for \(page.name):\nkeel:     \(normalize(k))\nmustache: \(normalize(m))\nstencil:  \(normalize(s))")
                exit(1)
            }
            var results: [[Double]] = [[], [], []]
            for _ in 0..<rounds {
                results[0].append(try measure(seconds, page.keel))
                results[1].append(try measure(seconds) { page.mustache() })
                results[2].append(try measure(seconds, page.stencil))
            }
            let medians = results.map { $0.sorted()[$0.count / 2] }
            print("| \(page.name) | \(Int(medians[0])) | \(Int(medians[1])) | \(Int(medians[2])) | "
                  + String(format: "%.2f× | %.2f× |", medians[0] / medians[1], medians[0] / medians[2]))
        }
    }

    static func measure(_ seconds: Double, _ body: () throws -> String) throws -> Double {
        for _ in 0..<50 { _ = try body() }  // warm up
        var count = 0
        var bytes = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed: Double = 0
        while elapsed < seconds {
            for _ in 0..<20 { bytes &+= try body().utf8.count }
            count += 20
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        if bytes == 42 { print("") }  // keep the work observable
        return Double(count) / elapsed
    }

    /// The same meaning: entity spellings unified, whitespace between tags dropped.
    static func normalize(_ html: String) -> String {
        var s = html
        for (a, b) in [("&#34;", "&quot;"), ("&#39;", "&#x27;"), ("&apos;", "&#x27;")] { s = s.replacingOccurrences(of: a, with: b) }
        return s.replacingOccurrences(of: ">\\s+<", with: "><", options: .regularExpression)
    }

    static func stringify(_ value: Any?) -> String {
        guard let value else { return "" }
        return "\(value)"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#x27;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
