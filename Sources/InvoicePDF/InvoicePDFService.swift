internal import NIOPosix

/// Renders invoice PDFs on a small thread pool of its own.
///
/// Rendering is CPU-heavy and blocking: Pango shapes every string, cairo subsets and embeds the
/// fonts and deflates the page streams, tens of milliseconds for a long invoice, and the first
/// call on a thread also loads fontconfig's configuration from disk. Like Argon2 in
/// `PasswordHasher`, that must stay off Swift's cooperative pool, whose few threads (one per
/// core) run every request handler: a burst of PDF downloads would otherwise stall all of them.
/// One thread by default, so PDFs take at most one core; further requests queue on the pool.
///
/// ```swift
/// let pdfs = InvoicePDFService()
/// let bytes = try await pdfs.render(InvoiceDocument(invoice: invoice, issuerName: "Keel Ltd", issuerAddress: []))
/// try await pdfs.shutdown()
/// ```
public final class InvoicePDFService: Sendable {
    private let pool: NIOThreadPool

    /// Starts `threads` rendering threads (default 1).
    public init(threads: Int = 1) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    /// The PDF for `document`, rendered on the service's thread. Throws `InvoicePDFError` when
    /// cairo fails, and NIO's error when the service has been shut down.
    public func render(_ document: InvoiceDocument) async throws -> [UInt8] {
        try await pool.runIfActive { try InvoicePDFRenderer.render(document) }
    }

    /// Stops the rendering threads (after the work already queued).
    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
