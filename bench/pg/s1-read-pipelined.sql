-- The same statements as s1-read.sql in the shape Keel's driver sends them since issue 21
-- (docs/storage.md, "The data path"): the session lookup, a read across tenants, and the tenant's
-- read, each as [scope (read-only); statement] in one pipeline, one implicit transaction that ends
-- at its Sync (one round trip each; no begin, no commit: a read before any write goes alone).
-- pgbench -M prepared, as the server's role; variables as in s1-read.sql.
\startpipeline
select set_config('app.platform', 'on', true), set_config('lock_timeout', '5s', true), set_config('statement_timeout', '30s', true), set_config('transaction_read_only', 'on', true);
-- include: session-lookup.sql
\endpipeline
\startpipeline
select set_config('app.tenant_id', :tenant, true), set_config('lock_timeout', '5s', true), set_config('statement_timeout', '30s', true), set_config('transaction_read_only', 'on', true);
select user_id, tenant_id, email, name, role, status, version, created_at, email_verified_at,
mfa_enabled_at is not null as mfa_enabled, locked_at, lock_reason from accounts.users where tenant_id = :tenant and user_id = :user;
\endpipeline
