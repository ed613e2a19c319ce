-- The same statements as s1-read.sql in the shape Keel's driver sends them since issue 21
-- (docs/storage.md, "The data path"): the session lookup, one round trip; then the scope (read-only)
-- and the read in one pipeline, one implicit transaction that ends at its Sync (one round trip; no
-- begin, no commit: a read before any write goes alone). pgbench -M prepared, as the server's role;
-- variables as in s1-read.sql.
select tenant_id, session_id, user_id, role, usable, expires_at, last_seen_at, now, mfa_enrolment_required
from accounts.session_by_token_hash(:tokenhash, '5000ms');
\startpipeline
select set_config('app.tenant_id', :tenant, true), set_config('lock_timeout', '5s', true), set_config('statement_timeout', '30s', true), set_config('transaction_read_only', 'on', true);
select user_id, tenant_id, email, name, role, status, version, created_at, email_verified_at,
mfa_enabled_at is not null as mfa_enabled, locked_at, lock_reason from accounts.users where tenant_id = :tenant and user_id = :user;
\endpipeline
