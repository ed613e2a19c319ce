-- The console's session lookup as one statement, like the tenant sessions' (0008): every
-- console page starts with it, and as a platform transaction it was four round trips
-- (`begin`, scope, the read, `commit`). It sets the platform flag and the caller's lock timeout
-- for its one query and puts both back before returning, and it reads only the one session
-- whose token hash the caller already has, with its member. Expiry and idleness are decided
-- by the caller's clock, so the function returns the times, not a verdict.
create function platform.staff_session_by_token_hash(token_hash bytea, lock_timeout text)
returns table (session_id uuid, stage text, csrf_token text, last_seen_at timestamptz, expires_at timestamptz,
               staff_id uuid, email text, name text, role text, status text, mfa_enabled boolean,
               must_change_password boolean, version integer, created_at timestamptz)
language plpgsql stable
as $$
declare
    previous text := current_setting('app.platform', true);
    previous_lock_timeout text := current_setting('lock_timeout');
begin
    perform set_config('app.platform', 'on', true);
    perform set_config('lock_timeout', staff_session_by_token_hash.lock_timeout, true);
    return query
        select s.session_id, s.stage, s.csrf_token, s.last_seen_at, s.expires_at,
               m.staff_id, m.email, m.name, m.role, m.status, m.mfa_enabled_at is not null,
               m.must_change_password, m.version, m.created_at
          from platform.staff_sessions s
          join platform.staff m using (staff_id)
         where s.token_hash = staff_session_by_token_hash.token_hash;
    perform set_config('app.platform', coalesce(previous, ''), true);
    perform set_config('lock_timeout', previous_lock_timeout, true);
end
$$;
revoke all on function platform.staff_session_by_token_hash(bytea, text) from public;
grant execute on function platform.staff_session_by_token_hash(bytea, text) to keel_runtime;
