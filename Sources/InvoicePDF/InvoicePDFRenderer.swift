import BillingAPI
internal import CPangoCairo

/// Why a PDF could not be made: cairo's status, with what was being done.
public struct InvoicePDFError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Lays an `InvoiceDocument` out on A4 pages with Pango and writes it as PDF with cairo.
///
/// Synchronous and CPU-bound (text shaping, font subsetting, compression): call it from a thread
/// that may block, e.g. through `InvoicePDFService`, not from a task on the cooperative pool.
/// User text goes to Pango as plain text (`pango_layout_set_text`), never as markup, so nothing
/// in a name or a description needs escaping; it passes through as UTF-8.
public enum InvoicePDFRenderer {
    /// The PDF, all of it in memory (a few tens of KiB for a typical invoice).
    public static func render(_ document: InvoiceDocument) throws -> [UInt8] {
        let sink = ByteSink()
        // Retained for as long as cairo may call back into it: until the surface is destroyed,
        // which the defer below (declared later, so run earlier) does first.
        let closure = Unmanaged.passRetained(sink)
        defer { closure.release() }

        guard let surface = cairo_pdf_surface_create_for_stream({ context, data, length in
            // A C function pointer: it captures nothing and finds the sink through `context`.
            guard let context else { return CAIRO_STATUS_WRITE_ERROR }
            let sink = Unmanaged<ByteSink>.fromOpaque(context).takeUnretainedValue()
            if let data, length > 0 {
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            }
            return CAIRO_STATUS_SUCCESS
        }, closure.toOpaque(), Page.width, Page.height) else {
            throw InvoicePDFError("cairo could not create a PDF surface")
        }
        defer { cairo_surface_destroy(surface) }
        try check(cairo_surface_status(surface), "creating the PDF surface")
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, "Invoice \(document.number)")
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, document.issuerName)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Keel")

        guard let cr = cairo_create(surface) else { throw InvoicePDFError("cairo could not create a drawing context") }
        do {
            defer { cairo_destroy(cr) }
            try check(cairo_status(cr), "creating the drawing context")
            guard let layout = pango_cairo_create_layout(cr) else {
                throw InvoicePDFError("Pango could not create a layout")
            }
            defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
            let fonts = Fonts()
            defer { fonts.free() }

            var writer = PageWriter(cr: cr, layout: layout, fonts: fonts, document: document)
            writer.drawDocument()
            try check(cairo_status(cr), "drawing the invoice")
        }
        // Writes the rest of the file (fonts, cross-reference table) through the callback.
        cairo_surface_finish(surface)
        try check(cairo_surface_status(surface), "writing the PDF")
        return sink.bytes
    }

    private static func check(_ status: cairo_status_t, _ doing: String) throws {
        guard status != CAIRO_STATUS_SUCCESS else { return }
        let reason = String(cString: cairo_status_to_string(status))
        throw InvoicePDFError("PDF rendering failed while \(doing): \(reason) (cairo status \(status.rawValue))")
    }
}

/// Where cairo's write callback puts the bytes; reached through an `Unmanaged` pointer.
private final class ByteSink {
    var bytes: [UInt8] = []
}

/// A4 in PostScript points, and the page's fixed areas.
enum Page {
    static let width = 595.28
    static let height = 841.89
    static let left = 40.0
    static let right = width - 40.0
    static let top = 48.0
    /// Content stops here; the footer sits below.
    static let contentBottom = height - 64.0
    static let footerTop = height - 48.0
    static var contentWidth: Double { right - left }
}

/// The font descriptions the page uses; freed after rendering.
struct Fonts {
    let body: OpaquePointer
    let bodyBold: OpaquePointer
    let heading: OpaquePointer
    let title: OpaquePointer

    init() {
        body = Self.make(size: 10, bold: false)
        bodyBold = Self.make(size: 10, bold: true)
        heading = Self.make(size: 12, bold: true)
        title = Self.make(size: 18, bold: true)
    }

    private static func make(size: Int32, bold: Bool) -> OpaquePointer {
        let description: OpaquePointer = pango_font_description_new()
        pango_font_description_set_family(description, "DejaVu Sans")
        pango_font_description_set_size(description, size * PANGO_SCALE)
        if bold { pango_font_description_set_weight(description, PANGO_WEIGHT_BOLD) }
        return description
    }

    func free() {
        for description in [body, bodyBold, heading, title] { pango_font_description_free(description) }
    }
}

/// The table's columns: x and width in points, and which way the text aligns.
struct Column {
    let x: Double
    let width: Double
    /// A Bool rather than `PangoAlignment`, so the static columns are plainly Sendable.
    let alignsRight: Bool

    var alignment: PangoAlignment { alignsRight ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT }

    static let description = Column(x: Page.left, width: 190, alignsRight: false)
    static let quantity = Column(x: Page.left + 196, width: 30, alignsRight: true)
    static let unitAmount = Column(x: Page.left + 232, width: 90, alignsRight: true)
    static let tax = Column(x: Page.left + 328, width: 85, alignsRight: true)
    static let amount = Column(x: Page.left + 419, width: Page.right - (Page.left + 419), alignsRight: true)
    /// The totals' labels, right-aligned against the amount column.
    static let totalsLabel = Column(x: Page.left + 232, width: 181, alignsRight: true)
}

/// Draws the document top to bottom, starting a new page whenever the next block does not fit.
struct PageWriter {
    let cr: OpaquePointer
    let layout: OpaquePointer
    let fonts: Fonts
    let document: InvoiceDocument
    private var y = Page.top
    private var pageNumber = 1

    /// A description longer than this many lines (per paragraph) is cut with "…", so one row
    /// always fits on a page.
    private static let maxDescriptionLines: Int32 = 40
    private static let rowPadding = 5.0

    init(cr: OpaquePointer, layout: OpaquePointer, fonts: Fonts, document: InvoiceDocument) {
        self.cr = cr
        self.layout = layout
        self.fonts = fonts
        self.document = document
        // Long words (an IBAN, a URL) break between characters when there is no space to break at.
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
    }

    mutating func drawDocument() {
        cairo_set_source_rgb(cr, 0, 0, 0)
        drawHeader()
        drawParties()
        drawTableHeader()
        for line in document.lines { drawRow(line) }
        drawTotals()
        drawFooter()
        cairo_show_page(cr)
    }

    // MARK: Blocks

    private mutating func drawHeader() {
        let leftWidth = Page.contentWidth * 0.55
        var left = text(document.issuerName, x: Page.left, y: y, width: leftWidth, font: fonts.heading)
        if !document.issuerAddress.isEmpty {
            left += 2 + text(document.issuerAddress.joined(separator: "\n"), x: Page.left, y: y + left + 2,
                             width: leftWidth, font: fonts.body)
        }
        let rightWidth = Page.contentWidth * 0.4
        let rightX = Page.right - rightWidth
        var right = text("Invoice", x: rightX, y: y, width: rightWidth, font: fonts.title, alignment: PANGO_ALIGN_RIGHT)
        right += 2 + text(document.number, x: rightX, y: y + right + 2, width: rightWidth, font: fonts.heading,
                          alignment: PANGO_ALIGN_RIGHT)
        right += 2 + text("Status: \(document.statusText)", x: rightX, y: y + right + 2, width: rightWidth,
                          font: fonts.body, alignment: PANGO_ALIGN_RIGHT)
        y += max(left, right) + 24
    }

    private mutating func drawParties() {
        let customer = document.customer
        let leftWidth = Page.contentWidth * 0.5
        var left = text("Bill to", x: Page.left, y: y, width: leftWidth, font: fonts.bodyBold)
        let details = [customer.name, customer.address, customer.country, customer.taxID.map { "Tax ID: \($0)" }]
            .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n")
        left += 2 + text(details, x: Page.left, y: y + left + 2, width: leftWidth, font: fonts.body)

        var dates = ["Issue date: \(document.issueDate)"]
        if let due = document.dueDate { dates.append("Due date: \(due)") }
        if let period = document.period { dates.append("Period: \(period)") }
        let rightWidth = Page.contentWidth * 0.45  // the period fits on one line
        let right = text(dates.joined(separator: "\n"), x: Page.right - rightWidth, y: y, width: rightWidth,
                         font: fonts.body, alignment: PANGO_ALIGN_RIGHT)
        y += max(left, right) + 24
    }

    private mutating func drawTableHeader() {
        let cells: [(String, Column)] = [("Description", .description), ("Qty", .quantity),
                                         ("Unit price", .unitAmount), ("Tax", .tax), ("Amount", .amount)]
        let height = cells.map { measure($0.0, width: $0.1.width, font: fonts.bodyBold) }.max() ?? 0
        for (label, column) in cells {
            text(label, x: column.x, y: y, width: column.width, font: fonts.bodyBold, alignment: column.alignment)
        }
        y += height + 3
        rule(at: y, width: 0.75, gray: 0)
        y += Self.rowPadding
    }

    private mutating func drawRow(_ line: InvoiceDocument.Line) {
        let description = line.period.map { "\(line.description)\n\($0)" } ?? line.description
        let cells: [(String, Column)] = [(String(line.quantity), .quantity), (line.unitAmount, .unitAmount),
                                         (line.tax, .tax), (line.amount, .amount)]
        let height = max(measure(description, width: Column.description.width, font: fonts.body,
                                 maxLines: Self.maxDescriptionLines),
                         cells.map { measure($0.0, width: $0.1.width, font: fonts.body) }.max() ?? 0)
        if y + height + Self.rowPadding > Page.contentBottom {
            newPage()
            drawTableHeader()
        }
        text(description, x: Column.description.x, y: y, width: Column.description.width, font: fonts.body,
             maxLines: Self.maxDescriptionLines)
        for (value, column) in cells {
            text(value, x: column.x, y: y, width: column.width, font: fonts.body, alignment: column.alignment)
        }
        y += height + Self.rowPadding / 2
        rule(at: y, width: 0.25, gray: 0.75)
        y += Self.rowPadding / 2
    }

    private mutating func drawTotals() {
        let rows: [(String, String, Bool)] = [
            ("Subtotal", document.subtotal, false),
            ("Tax (\(document.taxRate))", document.tax, false),
            ("Total", document.total, true),
            ("Amount due", document.amountDue, true),
        ]
        let heights = rows.map { row in
            max(measure(row.0, width: Column.totalsLabel.width, font: row.2 ? fonts.bodyBold : fonts.body),
                measure(row.1, width: Column.amount.width, font: row.2 ? fonts.bodyBold : fonts.body))
        }
        let needed = 8 + heights.reduce(0, +) + Double(rows.count) * 4
        if y + needed > Page.contentBottom { newPage() }
        y += 8
        for (row, height) in zip(rows, heights) {
            let font = row.2 ? fonts.bodyBold : fonts.body
            text(row.0, x: Column.totalsLabel.x, y: y, width: Column.totalsLabel.width, font: font,
                 alignment: PANGO_ALIGN_RIGHT)
            text(row.1, x: Column.amount.x, y: y, width: Column.amount.width, font: font, alignment: PANGO_ALIGN_RIGHT)
            y += height + 4
        }
    }

    private func drawFooter() {
        rule(at: Page.footerTop - 6, width: 0.5, gray: 0.5)
        let note = "Amounts in \(document.currencyCode). Tax is exclusive at \(document.taxRate)."
        text(note, x: Page.left, y: Page.footerTop, width: Page.contentWidth - 80, font: fonts.body)
        text("Page \(pageNumber)", x: Page.right - 80, y: Page.footerTop, width: 80, font: fonts.body,
             alignment: PANGO_ALIGN_RIGHT)
    }

    /// Ends this page (with its footer) and starts the next with a short running head.
    private mutating func newPage() {
        drawFooter()
        cairo_show_page(cr)
        pageNumber += 1
        y = Page.top
        let head = "\(document.issuerName) · Invoice \(document.number) (continued)"
        let headHeight = text(head, x: Page.left, y: y, width: Page.contentWidth, font: fonts.bodyBold)
        y += headHeight + 12
    }

    // MARK: Text and lines

    /// Draws `string` in a box `width` points wide with its top-left corner at (x, y), wrapping
    /// as needed; returns the height it took, in points.
    @discardableResult
    private func text(_ string: String, x: Double, y: Double, width: Double, font: OpaquePointer,
                      alignment: PangoAlignment = PANGO_ALIGN_LEFT, maxLines: Int32? = nil) -> Double {
        let height = prepare(string, width: width, font: font, alignment: alignment, maxLines: maxLines)
        cairo_move_to(cr, x, y)
        pango_cairo_show_layout(cr, layout)
        return height
    }

    /// The height `string` would take, in points, without drawing it.
    private func measure(_ string: String, width: Double, font: OpaquePointer, maxLines: Int32? = nil) -> Double {
        prepare(string, width: width, font: font, alignment: PANGO_ALIGN_LEFT, maxLines: maxLines)
    }

    private func prepare(_ string: String, width: Double, font: OpaquePointer, alignment: PangoAlignment,
                         maxLines: Int32?) -> Double {
        pango_layout_set_font_description(layout, font)
        pango_layout_set_width(layout, Int32(width * Double(PANGO_SCALE)))
        pango_layout_set_alignment(layout, alignment)
        if let maxLines {
            pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END)
            pango_layout_set_height(layout, -maxLines)  // negative: at most this many lines a paragraph
        } else {
            pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_NONE)
            pango_layout_set_height(layout, -1)
        }
        // Plain text, not markup: "<", "&" in a customer's name are just characters.
        pango_layout_set_text(layout, string, -1)
        var logicalWidth: Int32 = 0
        var height: Int32 = 0
        pango_layout_get_size(layout, &logicalWidth, &height)
        return Double(height) / Double(PANGO_SCALE)
    }

    private func rule(at y: Double, width: Double, gray: Double) {
        cairo_save(cr)
        cairo_set_source_rgb(cr, gray, gray, gray)
        cairo_set_line_width(cr, width)
        cairo_move_to(cr, Page.left, y)
        cairo_line_to(cr, Page.right, y)
        cairo_stroke(cr)
        cairo_restore(cr)
    }
}
