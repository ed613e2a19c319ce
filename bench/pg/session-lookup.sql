-- Keel's session lookup (Accounts' SessionRows, sent through PlatformDatabase.read), shared by
-- the S1, S2, S3 and S6 scripts through a line "-- include: session-lookup.sql" (here, or in
-- session-lookup-scoped.sql) that scripts/bench.sh replaces with this statement (pgbench has no
-- include of its own).
select s.tenant_id, s.session_id, s.user_id, u.role,
u.status = 'active' and u.locked_at is null and t.status = 'active' as usable,
s.expires_at, s.last_seen_at, t.require_mfa and u.mfa_enabled_at is null as mfa_enrolment_required, t.billing_blocked
from accounts.sessions s
join accounts.users u on u.tenant_id = s.tenant_id and u.user_id = s.user_id
join accounts.tenants t on t.tenant_id = s.tenant_id
where s.token_hash = :tokenhash;
