import Foundation
import KeelTesting
import Kernel
import Storage
import Testing

/// Row-level security is the second lock: these tests bypass the first (they write SQL that
/// forgets `where tenant_id = …`) and show that PostgreSQL still confines each transaction
/// to its tenant.
@Suite("Row-level security")
struct RowLevelSecurityTests {
    /// Unique keys that are global by design, with the reason.
    static let globalUniqueKeys: [String: String] = [
        // A slug addresses its tenant at sign-in, before any tenant is known.
        "accounts.tenants.tenants_slug": "tenant slugs are the platform-wide address of a tenant",
        // A bearer token is looked up before its tenant is known; 256 random bits never collide.
        "accounts.sessions.sessions_token": "a token hash identifies its session across the platform",
        // The same for the other secrets presented before their tenant is known.
        "accounts.user_tokens.user_tokens_hash": "an emailed token's hash identifies it across the platform",
        "accounts.invitations.invitations_token": "an invitation token's hash identifies it across the platform",
        "accounts.api_keys.api_keys_hash": "an API key's hash identifies it across the platform",
        // Keys are scoped by the text `scope`, which names the tenant and principal.
        "platform.idempotency_keys.idempotency_keys_pkey": "(scope, key): the scope names tenant and principal",
        // Audit ids are UUIDv7, generated per entry.
        "platform.audit_log.audit_log_pkey": "audit_id is a fresh UUIDv7 per entry",
        // One issuer numbers every tenant's invoices, gap-free (billing.invoice_counters).
        "billing.invoices.invoices_number": "invoice numbers are the issuer's, one sequence across tenants",
        // The payment provider's ids are global to the provider account: one payment is one
        // attempt, one webhook event is stored once (whichever tenant its metadata names), and a
        // refund's key (derived from its own UUID) is one refund at the provider.
        "billing.payment_attempts.payment_attempts_provider_payment": "a provider payment id belongs to one attempt",
        "billing.provider_events.provider_events_event_id": "a provider event id is stored once across the platform",
        "billing.refunds.refunds_idempotency_key_key": "a refund's provider idempotency key is unique at the provider",
        "billing.credit_notes.credit_notes_number": "credit note numbers are the issuer's, one sequence across tenants",
    ]

    /// Tables whose `tenant_id` may be NULL, with the reason: rows that belong to no tenant,
    /// which RLS then shows only through a named path (the platform, or the anonymous scope).
    static let nullableTenant: [String: String] = [
        "platform.audit_log": "a login attempt for a slug that names no tenant is audited without one",
        "platform.idempotency_keys": "signup's keys are anonymous: nobody is known yet",
    ]

    @Test("every table with tenant_id is NOT NULL, has RLS enabled and forced, and a USING + WITH CHECK policy on app.tenant_id")
    func catalogCoversEveryTenantTable() async throws {
        // given
        let db = try await TestDatabase.shared()
        // when
        let tables = try await db.platform.platform("test: catalog") { tx in
            try await tx.query("""
                select n.nspname || '.' || c.relname as name, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
                       a.attnotnull as not_null,
                       exists (select 1 from pg_policy p where p.polrelid = c.oid
                                  and p.polcmd = '*'
                                  and pg_get_expr(p.polqual, p.polrelid) like '%current_setting(''app.tenant_id''::text, true)%'
                                  and pg_get_expr(p.polwithcheck, p.polrelid) like '%current_setting(''app.tenant_id''::text, true)%'
                                  and pg_get_expr(p.polqual, p.polrelid) like '%tenant_id =%') as has_policy
                  from pg_class c
                  join pg_namespace n on n.oid = c.relnamespace
                  join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
                 where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
                 order by 1
                """).map { row in
                (name: try row.decode("name", as: String.self), enabled: try row.decode("enabled", as: Bool.self),
                 forced: try row.decode("forced", as: Bool.self), notNull: try row.decode("not_null", as: Bool.self),
                 policy: try row.decode("has_policy", as: Bool.self))
            }
        }
        // then
        #expect(tables.count >= 3, "expected the outbox, inbox and tenants tables at least")
        for table in tables {
            #expect(table.notNull || Self.nullableTenant[table.name] != nil, "\(table.name).tenant_id must be NOT NULL")
            #expect(table.enabled, "\(table.name) must ENABLE ROW LEVEL SECURITY")
            #expect(table.forced, "\(table.name) must FORCE ROW LEVEL SECURITY")
            #expect(table.policy, "\(table.name) needs a policy with USING and WITH CHECK on app.tenant_id")
        }
    }

    @Test("every unique constraint or index on a tenant table includes tenant_id (or is listed as global with a reason)")
    func uniqueKeysIncludeTenant() async throws {
        let db = try await TestDatabase.shared()
        let offenders = try await db.platform.platform("test: catalog") { tx in
            try await tx.query("""
                select n.nspname || '.' || c.relname || '.' || i.relname as name
                  from pg_index x
                  join pg_class c on c.oid = x.indrelid
                  join pg_class i on i.oid = x.indexrelid
                  join pg_namespace n on n.oid = c.relnamespace
                 where x.indisunique
                   and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
                   and not exists (select 1 from pg_attribute a
                                    where a.attrelid = c.oid and a.attname = 'tenant_id' and a.attnum = any (x.indkey))
                 order by 1
                """).map { try $0.decode("name", as: String.self) }
        }
        #expect(Set(offenders) == Set(Self.globalUniqueKeys.keys), "unique keys without tenant_id: \(offenders)")
    }

    @Test("tenant A cannot read, update, delete or insert tenant B's rows, even with SQL that forgets the WHERE")
    func tenantCannotTouchAnotherTenantsRows() async throws {
        // given two tenants, each with a row in accounts.tenants and one in the outbox
        let db = try await TestDatabase.shared()
        let a = try await makeTenant(db), b = try await makeTenant(db)

        // when tenant A reads without a WHERE
        let seen = try await db.database.tenant(a) { tx in
            (tenants: try await tx.query("select tenant_id from accounts.tenants").map { try $0.decode("tenant_id", as: TenantID.self) },
             outbox: try await tx.query("select tenant_id from platform.outbox").map { try $0.decode("tenant_id", as: TenantID.self) })
        }
        // then only A's rows are visible
        #expect(seen.tenants == [a])
        #expect(!seen.outbox.isEmpty && seen.outbox.allSatisfy { $0 == a })

        // when tenant A updates and deletes "everything", and names B explicitly
        let touched = try await db.database.tenant(a) { tx in
            let renamed = try await tx.query("update accounts.tenants set name = 'pwned' where tenant_id = \(b) returning tenant_id")
            let deleted = try await tx.query("delete from accounts.tenants where tenant_id <> \(a) returning tenant_id")
            return renamed.count + deleted.count
        }
        // then nothing of B's changed
        #expect(touched == 0)
        let bName = try await db.database.tenant(b) { tx in
            try await tx.query("select name from accounts.tenants").first?.decode("name", as: String.self)
        }
        #expect(bName == "Tenant \(b)")

        // when tenant A inserts a row that claims to be B's: WITH CHECK refuses it
        await #expect(throws: AppError.self) {
            try await db.database.tenant(a) { tx in
                try await tx.execute("insert into accounts.tenants (tenant_id, slug, name) values (\(b), \("x-\(UUID().uuidString.prefix(8).lowercased())"), 'forged')")
            }
        }
        // and moving A's own row to B is refused too
        await #expect(throws: AppError.self) {
            try await db.database.tenant(a) { tx in
                try await tx.execute("update accounts.tenants set tenant_id = \(b) where tenant_id = \(a)")
            }
        }
    }

    @Test("with no tenant set, tenant tables show zero rows")
    func noTenantNoRows() async throws {
        let db = try await TestDatabase.shared()
        _ = try await makeTenant(db)
        // A platform transaction sets no tenant; the policies for tenant rows then match nothing,
        // and only the explicit platform policies (read-only here) apply. Prove the tenant
        // policy alone fails closed by asking as the server role on a bare connection.
        let counts = try await db.pool.withUnscopedTransaction { tx in
            (tenants: try await tx.query("select count(*)::int as n from accounts.tenants").first!.decode("n", as: Int.self),
             outbox: try await tx.query("select count(*)::int as n from platform.outbox").first!.decode("n", as: Int.self),
             inbox: try await tx.query("select count(*)::int as n from platform.inbox").first!.decode("n", as: Int.self))
        }
        #expect(counts.tenants == 0)
        #expect(counts.outbox == 0)
        #expect(counts.inbox == 0)
    }

    @Test("the next lease of a pooled connection carries no tenant")
    func pooledConnectionForgetsTenant() async throws {
        // given a pool of exactly one connection, so every lease is the same connection
        let shared = try await TestDatabase.shared()
        var config = shared.app
        config.poolSize = 1
        let a = try await makeTenant(shared)
        try await DatabasePool.withPool(config, logger: TestDatabase.logger) { pool in
            // when a tenant transaction runs, then the connection goes back to the pool
            let first = try await pool.database.tenant(a) { tx in
                try await tx.query("select pg_backend_pid() as pid, current_setting('app.tenant_id', true) as tenant").first!
            }
            #expect(try first.decode("tenant", as: String.self) == a.description)
            // then the next lease (same backend) has no tenant, and sees no tenant rows
            let next = try await pool.withUnscopedTransaction { tx in
                try await tx.query("""
                    select pg_backend_pid() as pid, coalesce(current_setting('app.tenant_id', true), '') as tenant,
                           (select count(*)::int from accounts.tenants) as visible
                    """).first!
            }
            #expect(try next.decode("pid", as: Int32.self) == first.decode("pid", as: Int32.self))
            #expect(try next.decode("tenant", as: String.self) == "")
            #expect(try next.decode("visible", as: Int.self) == 0)
        }
    }

    /// Keel no longer calls the function (the lookup is a read sent with the platform scope,
    /// `PlatformDatabase.read`), but it stays in the schema while instances of the release before
    /// may still call it during a rolling deploy, so it must still widen nothing.
    @Test("the session lookup function widens nothing for the transaction that calls it")
    func sessionLookupRestoresScope() async throws {
        // given two tenants, and a transaction scoped to the first
        let db = try await TestDatabase.shared()
        let a = try await makeTenant(db)
        _ = try await makeTenant(db)
        let after = try await db.database.tenant(a) { tx in
            // when it calls the hot-path lookup, which turns the platform flag on for its own query
            let before = try await tx.query("select current_setting('lock_timeout') as lock_timeout").first!
            _ = try await tx.query("select * from accounts.session_by_token_hash('\\x00'::bytea, '1234ms')")
            // then afterwards the flag is off again, the lock timeout as it was, and only the
            // tenant's own row is visible
            let after = try await tx.query("""
                select coalesce(current_setting('app.platform', true), '') as platform,
                       current_setting('lock_timeout') as lock_timeout,
                       (select count(*)::int from accounts.tenants) as visible
                """).first!
            #expect(try after.decode("lock_timeout", as: String.self) == before.decode("lock_timeout", as: String.self))
            return after
        }
        #expect(try after.decode("platform", as: String.self) == "")
        #expect(try after.decode("visible", as: Int.self) == 1)
    }
}

/// Creates a tenant row (and its outbox event) through the tenant path.
func makeTenant(_ db: TestDatabase) async throws -> TenantID {
    let id = TenantID.generate()
    try await db.database.tenant(id) { tx in
        try await tx.execute("""
            insert into accounts.tenants (tenant_id, slug, name)
            values (\(id), \("t-\(id.description.suffix(12))"), \("Tenant \(id)"))
            """)
        try await tx.publish(TestEvent(note: "created \(id)"))
    }
    return id
}

struct TestEvent: IntegrationEvent, Equatable {
    static let eventType = "test.event.v1"
    let note: String
}
