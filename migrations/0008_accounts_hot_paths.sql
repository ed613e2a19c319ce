-- Hot paths, from the benchmark suite (docs/benchmarks.md).

-- Every authenticated request starts with this lookup. As a function that sets its own scope
-- it runs as one statement: no `begin`, `set_config` and `commit` around it (4 round trips to
-- 1). It turns the platform flag on (and the lock timeout down) for its one query and back to
-- what they were before returning, so it widens nothing for a caller inside a tenant transaction, and it reads
-- nothing a platform transaction could not: the one session whose token hash the caller
-- already has. Security invoker, so row-level security still applies to its query. (A
-- `set app.platform` clause on the function would be simpler, but PostgreSQL lets only a
-- superuser attach a custom setting to a function.)
create function accounts.session_by_token_hash(token_hash bytea, lock_timeout text)
returns table (tenant_id uuid, session_id uuid, user_id uuid, role text, usable boolean,
               expires_at timestamptz, last_seen_at timestamptz, now timestamptz,
               mfa_enrolment_required boolean)
language plpgsql stable
as $$
declare
    previous text := current_setting('app.platform', true);
    previous_lock_timeout text := current_setting('lock_timeout');
begin
    perform set_config('app.platform', 'on', true);
    -- Bounded like every transaction (Transaction.run): a lock held elsewhere fails the lookup
    -- when the caller's wait budget is spent (503 + Retry-After) instead of holding a pooled
    -- connection while it lasts.
    perform set_config('lock_timeout', session_by_token_hash.lock_timeout, true);
    return query
        select s.tenant_id, s.session_id, s.user_id, u.role,
               u.status = 'active' and u.locked_at is null and t.status = 'active',
               s.expires_at, s.last_seen_at, now(),
               t.require_mfa and u.mfa_enabled_at is null
          from accounts.sessions s
          join accounts.users u on u.tenant_id = s.tenant_id and u.user_id = s.user_id
          join accounts.tenants t on t.tenant_id = s.tenant_id
         where s.token_hash = session_by_token_hash.token_hash;
    perform set_config('app.platform', coalesce(previous, ''), true);
    perform set_config('lock_timeout', previous_lock_timeout, true);
end
$$;
revoke all on function accounts.session_by_token_hash(bytea, text) from public;
grant execute on function accounts.session_by_token_hash(bytea, text) to keel_runtime;

-- An invitation revokes the pending ones for the same address: a point lookup, not a scan of
-- every invitation the tenant ever made.
create index invitations_pending_email on accounts.invitations (tenant_id, lower(email))
    where accepted_at is null and revoked_at is null;
