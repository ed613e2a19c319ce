import BillingAPI
import Foundation
import InvoicePDF
import KeelTesting
import Kernel
import Testing

/// Renders real PDFs and reads them back with poppler's `pdftotext` and `pdfinfo`
/// (Debian's poppler-utils, which `make test` installs through scripts/install-test-deps.sh).
@Suite("Invoice PDF")
struct InvoicePDFTests {
    static let longDescription: String = {
        let sentence = "Onboarding workshop with data migration from the legacy system, custom reporting setup and "
            + "staff training across three sites, including travel and follow-up support calls for the first quarter, "
            + "as agreed in the order form."
        return String(sentence.prefix(200))
    }()

    @Test("the PDF holds the number, every line, the total and non-ASCII names as text")
    func rendersText() throws {
        #expect(Self.longDescription.count == 200)
        let lines = [
            Self.line("Pro plan (monthly)", quantity: 1, unit: 4900),
            Self.line(Self.longDescription, quantity: 1, unit: 150_000),
            Self.line("Storage add-on: Ελληνικά и кириллица", quantity: 2, unit: 500),
        ]
        let customer = InvoiceCustomer(name: "Ünïcode GmbH — Zürich", address: "Bahnhofstrasse 1\n8001 Zürich\n東京",
                                       country: "CH", taxID: "CHE-123.456.789 MWST")
        let document = InvoiceDocument(invoice: Self.invoice(lines: lines, customer: customer),
                                       issuerName: "Keel Ltd", issuerAddress: ["1 Dock Road", "London E1 1AA"])
        #expect(document.total == "1870.80 EUR")
        #expect(document.taxRate == "20 %")
        #expect(document.issueDate == "2026-01-15")
        #expect(document.dueDate == "2026-02-14")

        let pdf = try InvoicePDFRenderer.render(document)
        #expect(pdf.starts(with: Array("%PDF-".utf8)))
        // `KEEL_INVOICE_SAMPLE=path swift test --filter InvoicePDFTests` keeps this one, for the
        // docs' picture (docs/screenshots/invoice.png, made from it with pdftoppm).
        if let sample = ProcessInfo.processInfo.environment["KEEL_INVOICE_SAMPLE"] {
            try Data(pdf).write(to: URL(fileURLWithPath: sample))
        }

        let text = try Self.squeezed(Self.extractText(pdf))
        for expected in ["INV-2026-000042", "Pro plan (monthly)", String(Self.longDescription.prefix(24)),
                         "Storage add-on: Ελλην", "1870.80 EUR", "Ünïcode GmbH", "Zürich",
                         "Tax is exclusive at 20 %", "2026-01-15"] {
            #expect(text.contains(Self.squeezed(expected)), "pdftotext output lacks \"\(expected)\":\n\(text)")
        }
    }

    @Test("a long invoice continues on further pages, down to its last line and totals")
    func paginates() throws {
        let lines = (1...120).map { index in
            let digits = String(index)
            return Self.line("Seat pack #" + String(repeating: "0", count: 3 - digits.count) + digits, quantity: 1, unit: 1000)
        }
        let customer = InvoiceCustomer(name: "Many Lines AG", address: nil, country: nil, taxID: nil)
        let document = InvoiceDocument(invoice: Self.invoice(lines: lines, customer: customer),
                                       issuerName: "Keel Ltd", issuerAddress: [])
        #expect(document.lines.first?.description == "Seat pack #001")
        #expect(document.lines.last?.description == "Seat pack #120")

        let pdf = try InvoicePDFRenderer.render(document)
        let info = try Self.withTemporaryFile(pdf) { try Self.run("pdfinfo", [$0.path]) }
        let pagesLine = info.split(separator: "\n").first { $0.hasPrefix("Pages:") }
        let pages = pagesLine.flatMap { Int($0.dropFirst("Pages:".count).trimmingCharacters(in: .whitespaces)) }
        #expect((pages ?? 0) >= 2, "pdfinfo: \(info)")

        let text = try Self.squeezed(Self.extractText(pdf))
        #expect(text.contains("Seat pack #001"))
        #expect(text.contains("Seat pack #120"))
        #expect(text.contains("1440.00 EUR"), "the total (1200.00 + 20 % tax)")
        #expect(text.contains("Page 2"))
    }

    @Test("the service renders concurrent requests on its own thread")
    func serviceRendersConcurrently() async throws {
        let customer = InvoiceCustomer(name: "Parallel SA", address: "Rue 2", country: "FR", taxID: nil)
        let first = InvoiceDocument(invoice: Self.invoice(lines: [Self.line("First", quantity: 1, unit: 100)],
                                                          customer: customer, number: "INV-1"),
                                    issuerName: "Keel Ltd", issuerAddress: [])
        let second = InvoiceDocument(invoice: Self.invoice(lines: [Self.line("Second", quantity: 3, unit: 250)],
                                                           customer: customer, number: "INV-2"),
                                     issuerName: "Keel Ltd", issuerAddress: [])
        let service = InvoicePDFService()
        let outcome: Result<([UInt8], [UInt8]), any Error>
        do {
            async let a = service.render(first)
            async let b = service.render(second)
            outcome = .success(try await (a, b))
        } catch {
            outcome = .failure(error)
        }
        try await service.shutdown()
        let (a, b) = try outcome.get()
        #expect(a.starts(with: Array("%PDF-".utf8)))
        #expect(b.starts(with: Array("%PDF-".utf8)))
        let textA = try Self.squeezed(Self.extractText(a))
        let textB = try Self.squeezed(Self.extractText(b))
        #expect(textA.contains("INV-1"))
        #expect(textB.contains("INV-2"))
    }

    @Test("tax rates are printed from basis points without rounding", arguments: [
        (2000, "20 %"), (1950, "19.5 %"), (725, "7.25 %"), (5, "0.05 %"), (0, "0 %"), (10_000, "100 %"),
    ])
    func taxRate(basisPoints: Int, expected: String) {
        let customer = InvoiceCustomer(name: "X", address: nil, country: nil, taxID: nil)
        let document = InvoiceDocument(invoice: Self.invoice(lines: [], customer: customer, taxRateBasisPoints: basisPoints),
                                       issuerName: "Keel Ltd", issuerAddress: [])
        #expect(document.taxRate == expected)
    }

    // MARK: Fixtures

    /// 2026-01-15T00:00:00Z.
    static let issued = Date(timeIntervalSince1970: 1_768_435_200)
    static let day: TimeInterval = 86_400

    static func line(_ description: String, quantity: Int, unit minorUnits: Int64) -> InvoiceLine {
        let unit = Money(minorUnits: minorUnits, currency: .eur)
        let amount = unit * Int64(quantity)
        return InvoiceLine(kind: .item, description: description, quantity: quantity, unitAmount: unit, amount: amount,
                           tax: Money(minorUnits: amount.minorUnits / 5, currency: .eur), periodStart: nil, periodEnd: nil)
    }

    /// An open EUR invoice over `lines` at 20 % (exact for the fixtures' amounts, all multiples of 5 cents).
    static func invoice(lines: [InvoiceLine], customer: InvoiceCustomer, number: String = "INV-2026-000042",
                        taxRateBasisPoints: Int = 2000) -> Invoice {
        let subtotal = Money(minorUnits: lines.reduce(Int64(0)) { $0 + $1.amount.minorUnits }, currency: .eur)
        let tax = Money(minorUnits: lines.reduce(Int64(0)) { $0 + $1.tax.minorUnits }, currency: .eur)
        let total = subtotal + tax
        return Invoice(id: InvoiceID.generate(), tenantID: TenantID.generate(), subscriptionID: nil, number: number,
                       status: .open, reason: .manual, currency: .eur, lines: lines, subtotal: subtotal, tax: tax,
                       total: total, amountDue: total, amountPaid: .zero(.eur), taxRateBasisPoints: taxRateBasisPoints,
                       periodStart: issued, periodEnd: issued + 31 * day, customer: customer, createdAt: issued,
                       finalizedAt: issued, dueAt: issued + 30 * day, paidAt: nil, voidedAt: nil, version: 1)
    }

    // MARK: Reading the PDF back

    /// `pdftotext -layout` of `pdf`, as UTF-8.
    static func extractText(_ pdf: [UInt8]) throws -> String {
        try withTemporaryFile(pdf) { try run("pdftotext", ["-layout", "-enc", "UTF-8", $0.path, "-"]) }
    }

    /// Runs of whitespace as one space: columns in `-layout` output are padded with many.
    static func squeezed(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func withTemporaryFile<T>(_ bytes: [UInt8], _ body: (URL) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("keel-invoice-\(UUID().uuidString).pdf")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url)
    }

    /// Runs /usr/bin/`tool` and returns its standard output; its standard error is discarded.
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let path = "/usr/bin/\(tool)"
        try #require(FileManager.default.isExecutableFile(atPath: path),
                     "\(path) is missing: `make test` installs poppler-utils (scripts/install-test-deps.sh)")
        let process = try ChildProcess(path, arguments, stdout: .pipe)
        // Read to the end before waiting, so a full pipe cannot block the tool.
        let data = process.readOutput()
        #expect(process.waitUntilExit() == 0, "\(tool) \(arguments.joined(separator: " ")) failed")
        return String(decoding: data, as: UTF8.self)
    }
}
