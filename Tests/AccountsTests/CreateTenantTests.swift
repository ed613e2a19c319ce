import Accounts
import AccountsAPI
import KeelTesting
import Kernel
import Storage
import Testing

@Suite("Accounts: creating tenants")
struct CreateTenantTests {
    func uniqueSlug(_ prefix: String = "acme") -> String {
        "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
    }

    @Test("a tenant is created, and TenantCreated is in the outbox of the same transaction")
    func createsTenantAndPublishes() async throws {
        // given
        let db = try await TestDatabase.shared()
        let accounts = AccountsModule(db: db.database, platform: db.platform, hasher: TestHasher.shared)
        let slug = uniqueSlug()
        // when
        let tenant = try await accounts.createTenant(CreateTenant(slug: slug, name: "  Acme Inc  "))
        // then
        #expect(tenant.slug == slug)
        #expect(tenant.name == "Acme Inc")
        #expect(tenant.status == Tenant.Status.active)
        #expect(tenant.version == 1)
        #expect(try await accounts.tenant(tenant.id) == tenant)
        // Accounts' events only: a running server's dispatcher may already have delivered this one
        // to Billing, whose trial (TrialStarted) then sits in the same tenant's outbox.
        let events = try await db.database.tenant(tenant.id) { tx in
            try await tx.query("select event_type, payload->>'slug' as slug from platform.outbox where event_type like 'accounts.%'")
                .map { "\(try $0.decode("event_type", as: String.self)) \(try $0.decode("slug", as: String.self))" }
        }
        #expect(events == ["\(TenantCreated.eventType) \(slug)"])
    }

    @Test("a taken slug is a slug_taken conflict")
    func slugTaken() async throws {
        let db = try await TestDatabase.shared()
        let accounts = AccountsModule(db: db.database, platform: db.platform, hasher: TestHasher.shared)
        let slug = uniqueSlug()
        _ = try await accounts.createTenant(CreateTenant(slug: slug, name: "First"))
        let error = await #expect(throws: AppError.self) {
            try await accounts.createTenant(CreateTenant(slug: slug, name: "Second"))
        }
        #expect(error?.code == .slugTaken)
        #expect(error?.code.kind == .conflict)
    }

    @Test("malformed slugs and names are refused with a sentence saying why",
          arguments: [("ab", "Name"), ("Acme", "Name"), ("-acme", "Name"), ("acme-", "Name"), ("ac--me", "Name"),
                      ("admin", "Name"), ("acme corp", "Name"), ("acmé", "Name"), (String(repeating: "a", count: 41), "Name"),
                      ("valid-slug", ""), ("valid-slug", "   "), ("valid-slug", String(repeating: "n", count: 101)),
                      ("valid-slug", "tab\tname")])
    func invalidInput(slug: String, name: String) async throws {
        let db = try await TestDatabase.shared()
        let error = await #expect(throws: AppError.self) {
            try await AccountsModule(db: db.database, platform: db.platform, hasher: TestHasher.shared).createTenant(CreateTenant(slug: slug, name: name))
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.detail.isEmpty == false)
    }
}
