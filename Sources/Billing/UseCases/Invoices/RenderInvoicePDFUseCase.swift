import BillingAPI
import InvoicePDF
import Kernel
import Storage

/// An issued invoice as a PDF, rendered on the PDF service's own thread (never the cooperative
/// pool): for the tenant (`billing.read`) or for staff (`console.read`).
struct RenderInvoicePDFUseCase {
    let db: Database
    let policy: BillingPolicy
    let pdfs: InvoicePDFService?

    func callAsFunction(_ principal: Principal, id: InvoiceID) async throws -> [UInt8] {
        try principal.require(.billingRead)
        return try await render(tenantID: principal.tenantID, id: id)
    }

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, id: InvoiceID) async throws -> [UInt8] {
        try principal.require(.consoleRead)
        return try await render(tenantID: tenantID, id: id)
    }

    private func render(tenantID: TenantID, id: InvoiceID) async throws -> [UInt8] {
        guard let invoice = try await db.tenant(tenantID, { tx in try await InvoiceRows.find(id, in: tx) }) else {
            throw AppError(.invoiceNotFound, "There is no such invoice.")
        }
        guard invoice.number != nil else { throw AppError(.invoiceConflict, "A draft invoice has no PDF yet.") }
        guard let pdfs else { throw AppError(.pdfUnavailable, "Invoice PDFs are not available on this server.") }
        return try await pdfs.render(InvoiceDocument(invoice: invoice, issuerName: policy.issuerName,
                                                     issuerAddress: policy.issuerAddress))
    }
}
