import Foundation

/// The fortunes page: 50 rows whose messages need escaping, inside a layout.
struct Fortune: Encodable {
    let id: Int
    let message: String
}

struct FortunesPage: Encodable {
    let fortunes: [Fortune]

    static let sample: FortunesPage = {
        let messages = [
            "fortune: No such file or directory",
            "A computer scientist is someone who fixes things that aren't broken.",
            "After enough decimal places, nobody gives a damn.",
            "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
            "A computer program does what you tell it to do, not what you want it to do.",
            "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
            "Any program that runs right is obsolete.",
            "A list is only as strong as its weakest link. — Donald Knuth",
            "Feature: A bug with seniority.",
            "Computers make very fast, very accurate mistakes.",
            "<script>alert(\"This should not be displayed in a browser alert box.\");</script>",
            "フレームワークのベンチマーク",
            "Tom & Jerry's \"quotes\" <b>bold</b>",
        ]
        return FortunesPage(fortunes: (0..<50).map { Fortune(id: $0 + 1, message: messages[$0 % messages.count]) })
    }()
}

/// The admin list page: 50 orders with links, conditionals and filters. Keel formats in
/// the template (filters); the other engines have no such filters, so they get the same
/// strings precomputed in the model — less work for them, which the report says.
struct Order: Encodable {
    let id: String
    let number: Int
    let customer: String
    let status: String
    let paid: Bool
    let refunded: Bool
    let totalMinor: Int
    let currency: String
    let placedAt: Date
    let items: Int
    // Precomputed for Mustache and Stencil.
    let customerShort: String
    let statusUpper: String
    let total: String
    let placed: String
    let itemsLabel: String
}

struct OrdersPage: Encodable {
    let tenant: String
    let orders: [Order]

    static let sample: OrdersPage = {
        let customers = ["Ada Lovelace", "Grace Hopper <admin>", "Edsger W. Dijkstra & Sons", "Barbara Liskov",
                         "Ken \"k\" Thompson", "Margaret Hamilton-Apollo Guidance Computer Team"]
        let statuses = ["placed", "paid", "fulfilled", "refunded"]
        let orders = (0..<50).map { i -> Order in
            let customer = customers[i % customers.count]
            let status = statuses[i % statuses.count]
            let minor = 1_999 + i * 12_345
            let date = Date(timeIntervalSince1970: 1_790_000_000 + Double(i) * 3_600)
            let short = customer.count <= 24 ? customer : String(customer.prefix(23)) + "…"
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
            let placed = String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
            let items = i % 5
            return Order(id: UUID(uuidString: String(format: "01890000-0000-7000-8000-%012d", i))!.uuidString.lowercased(),
                         number: 1000 + i, customer: customer, status: status, paid: status != "placed",
                         refunded: status == "refunded", totalMinor: minor, currency: "EUR", placedAt: date, items: items,
                         customerShort: short, statusUpper: status.uppercased(), total: money(minor, "EUR"),
                         placed: placed, itemsLabel: items == 1 ? "item" : "items")
        }
        return OrdersPage(tenant: "Acme & Co", orders: orders)
    }()

    static func money(_ minor: Int, _ currency: String) -> String {
        let whole = String(minor / 100)
        var grouped = ""
        for (i, c) in whole.enumerated() {
            if i > 0 && (whole.count - i) % 3 == 0 { grouped.append(",") }
            grouped.append(c)
        }
        return String(format: "%@.%02d %@", grouped, minor % 100, currency)
    }
}
