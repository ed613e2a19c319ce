-- S2 reference: GET /v1/users?limit=50&starting_after=<cursor> as Keel runs it (session lookup,
-- then one page of UserRows.page: limit + 1 rows to know whether there is more). Variables:
-- tokenhash, tenant, after (the cursor's user id).
-- Every transaction's first statement sets its scope and, in the same statement, the lock and
-- statement timeouts (Transaction.run).
-- The session lookup, one statement at a time (in a transaction, for its platform scope).
-- include: session-lookup-scoped.sql
begin isolation level read committed;
select set_config('app.tenant_id', :tenant, true), set_config('lock_timeout', '5s', true), set_config('statement_timeout', '30s', true);
select user_id, tenant_id, email, name, role, status, version, created_at, email_verified_at,
mfa_enabled_at is not null as mfa_enabled, locked_at, lock_reason from accounts.users
where tenant_id = :tenant and (:after::uuid is null or user_id > :after)
order by user_id
limit 51;
commit;
