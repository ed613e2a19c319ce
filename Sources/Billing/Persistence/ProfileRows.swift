import BillingAPI
import Foundation
import Kernel
import Storage

/// SQL for `billing.profiles`: one row per tenant, made with the subscription.
enum ProfileRows {
    static let columns: SQL = """
        currency, email, legal_name, address, country, tax_id, tax_rate_bp, payment_method is not null as has_payment_method,
        balance, version
        """

    /// The tenant's profile, made (with `currency` and the tenant's name) if it has none yet.
    static func ensure(currency: Currency, email: String? = nil, legalName: String?, in tx: TenantTransaction) async throws -> BillingProfile {
        try await tx.execute("""
            insert into billing.profiles (tenant_id, currency, email, legal_name, updated_at)
            values (\(tx.tenantID), \(currency.code), \(email), \(legalName), \(tx.now))
            on conflict (tenant_id) do nothing
            """)
        guard let profile = try await find(in: tx) else { throw AppError(.internalError, "The billing profile is missing.") }
        return profile
    }

    static func find(in tx: TenantTransaction, lock: Bool = false) async throws -> BillingProfile? {
        try await tx.query("""
            select \(columns) from billing.profiles where tenant_id = \(tx.tenantID)
            \(unsafeRaw: lock ? "for update" : "")
            """).first.map(decode)
    }

    static func update(_ profile: BillingProfile, in tx: TenantTransaction) async throws -> BillingProfile {
        let rows = try await tx.query("""
            update billing.profiles
               set currency = \(profile.currency.code), email = \(profile.email), legal_name = \(profile.legalName), address = \(profile.address),
                   country = \(profile.country), tax_id = \(profile.taxID), tax_rate_bp = \(profile.taxRateBasisPoints),
                   version = version + 1, updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID)
            returning \(columns)
            """)
        return try decode(rows[0])
    }

    /// Moves the customer balance by `delta` minor units (credit notes add, invoices consume).
    static func adjustBalance(by delta: Money, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.profiles set balance = balance + \(delta.sql), updated_at = \(tx.now) where tenant_id = \(tx.tenantID)
            """)
    }

    /// Who billing emails address, and where they go (none without an address).
    static func contact(in tx: TenantTransaction) async throws -> (name: String, email: String?) {
        let profile = try await find(in: tx)
        return (profile?.legalName ?? unnamed, profile?.email)
    }

    /// How billing emails address a customer with no legal name on file.
    static let unnamed = "your organisation"

    static func decode(_ row: Row) throws -> BillingProfile {
        BillingProfile(currency: try row.currency("currency"), email: try row.decode("email"), legalName: try row.decode("legal_name"), address: try row.decode("address"),
                              country: try row.decode("country"), taxID: try row.decode("tax_id"),
                              taxRateBasisPoints: try row.decode("tax_rate_bp"),
                              hasPaymentMethod: try row.decode("has_payment_method"),
                              balance: try row.money("balance", try row.currency("currency")), version: try row.decode("version"))
    }
}
