-- S1 reference: the statements Keel runs for GET /v1/users/{id}, as it sends them (the session
-- lookup, one statement; then the tenant-scoped read in a read-committed transaction), run by
-- pgbench -M prepared as the server's role. Variables (pgbench -D): tokenhash (\x… of the
-- bearer token's SHA-256), tenant, user.
-- Every transaction's first statement sets its scope and, in the same statement, the lock and
-- statement timeouts (Transaction.run).
-- The session lookup, one statement at a time (in a transaction, for its platform scope).
-- include: session-lookup-scoped.sql
begin isolation level read committed;
select set_config('app.tenant_id', :tenant, true), set_config('lock_timeout', '5s', true), set_config('statement_timeout', '30s', true);
select user_id, tenant_id, email, name, role, status, version, created_at, email_verified_at,
mfa_enabled_at is not null as mfa_enabled, locked_at, lock_reason from accounts.users where tenant_id = :tenant and user_id = :user;
commit;
